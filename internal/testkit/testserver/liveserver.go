package testserver

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// LiveOptions configure a server with live updates.
type LiveOptions struct {
	// Broker carries events; a fresh in-memory broker when nil. It is
	// closed with the server unless KeepBroker.
	Broker     pubsub.Broker
	KeepBroker bool
	// Hub options (buffer and limits).
	Hub live.Options
	// KeepAlive for websocket pings (default: the server's).
	KeepAlive time.Duration
	// Sweep is how often the relay looks for events without being woken
	// (default an hour: in tests commits wake it).
	Sweep time.Duration
	// NoRelay leaves the outbox relay stopped (events stay in the outbox,
	// as after a crash between commit and publish).
	NoRelay bool
	// Demo seeds the demo content.
	Demo bool
	// ServiceOptions go to the content service.
	ServiceOptions []content.Option
	// Server adjusts the server config.
	Server func(*server.Config)
	// Logger for the server (silent when nil).
	Logger *slog.Logger
	// HTTP adjusts the HTTP server before it starts (e.g. timeouts).
	HTTP func(*http.Server)
}

// LiveServer is a running server with live updates.
type LiveServer struct {
	*Server
	Hub     *live.Hub
	Relay   *events.Relay
	Broker  pubsub.Broker
	Handler *server.Server
	HTTP    *httptest.Server
	live    *app.Live
	keep    bool
}

// NewLive starts a server over db with subscriptions, an outbox relay and a
// broker; everything stops when tb ends.
func NewLive(tb testing.TB, db *dbconn.DB, o LiveOptions) *LiveServer {
	tb.Helper()
	if o.Broker == nil {
		o.Broker = pubsub.NewMemory()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Sweep == 0 {
		o.Sweep = time.Hour
	}
	lv, err := app.StartLive(db, "", app.LiveOptions{Broker: o.Broker, Logger: o.Logger, Sweep: o.Sweep, NoRelay: o.NoRelay})
	if err != nil {
		tb.Fatalf("start live updates: %v", err)
	}
	wake := lv.Relay.Wake
	if o.NoRelay {
		wake = func() {}
	}
	svc := content.New(content.StorageOf(store.New(db)), append(o.ServiceOptions, content.WithOutbox([]string{events.ConsumerBroker}, wake))...)
	o.Hub.Logger = o.Logger
	if err := lv.StartHub(svc, o.Hub); err != nil {
		tb.Fatalf("start hub: %v", err)
	}
	hub := lv.Hub
	// As app.New does: the search index is built in the background once
	// the hub listens, and reloads what other replicas change.
	indexCtx, stopIndex := context.WithCancel(context.Background())
	tb.Cleanup(stopIndex)
	svc.StartSearchIndex(indexCtx, o.Logger)
	ls := &LiveServer{Hub: hub, Relay: lv.Relay, Broker: o.Broker, live: lv, keep: o.KeepBroker}
	tokens := auth.NewTokens(store.New(db))
	cfg := server.Config{Content: svc, DB: db, Logger: o.Logger, Authenticate: tokens.Authenticate, Live: hub, KeepAlive: o.KeepAlive,
		OutboxConsumers: []string{events.ConsumerBroker}}
	if o.Server != nil {
		o.Server(&cfg)
	}
	ls.Server = newServer(db, svc, cfg)
	ls.Handler = ls.Server.Handler
	// As app.New does: events from the broker purge this replica's response
	// cache, so several live servers on one database behave as replicas.
	lv.SetPurge(ls.Handler.Purge)
	ls.HTTP = httptest.NewUnstartedServer(ls.Server.counting())
	if o.HTTP != nil {
		o.HTTP(ls.HTTP.Config)
	}
	ls.HTTP.Start()
	ls.Server.URL = ls.HTTP.URL
	tb.Cleanup(ls.Close)
	if o.Demo {
		if err := demo.Seed(context.Background(), svc); err != nil {
			tb.Fatalf("seed demo content: %v", err)
		}
		if !o.NoRelay {
			ls.Settle(tb)
		}
	}
	return ls
}

// Settle waits until every event in the outbox was published and reached
// this server's hub, so a subscriber opened next hears only what follows.
func (ls *LiveServer) Settle(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		backlog, err := ls.Relay.Backlog(context.Background())
		st := ls.Hub.Stats()
		if err == nil && backlog == 0 && st.Events+st.Duplicates >= ls.Relay.Published() {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("events never settled: backlog %d (%v), hub saw %d of %d", backlog, err, st.Events, ls.Relay.Published())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close ends subscriptions, closes websockets and stops the relay and hub.
// It is safe to call more than once.
func (ls *LiveServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ls.Handler.CloseLive(ctx)
	ls.HTTP.Close()
	ls.live.Stop()
	if !ls.keep {
		ls.Broker.Close()
	}
}
