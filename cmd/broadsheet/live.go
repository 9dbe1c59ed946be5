package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/dbconn"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/pubsub"
	"github.com/broadsheet/broadsheet/internal/server"
	"github.com/broadsheet/broadsheet/internal/store"
)

// liveFlagValues are serve's flags for live updates.
type liveFlagValues struct {
	pubsub, origins             *string
	maxSubs, maxPerConn, buffer *int
	keepAlive, sweep, retention *time.Duration
}

func intEnv(key string, fallback int) int {
	if v := env(key, ""); v != "" {
		var n int
		if _, err := fmt.Sscan(v, &n); err == nil {
			return n
		}
	}
	return fallback
}

func liveFlags(fs *flag.FlagSet) *liveFlagValues {
	return &liveFlagValues{
		pubsub:     fs.String("pubsub", env("BROADSHEET_PUBSUB", "memory"), "broker for live updates: memory (one replica), redis://HOST:PORT/DB or nats://HOST:PORT (env BROADSHEET_PUBSUB)"),
		origins:    fs.String("allowed-origins", env("BROADSHEET_ALLOWED_ORIGINS", ""), "comma-separated browser origins allowed to open websockets and call /graphql from their pages (CORS) besides the server's own, e.g. https://news.example.com,*.example.org; * allows any (env BROADSHEET_ALLOWED_ORIGINS)"),
		maxSubs:    fs.Int("max-subscriptions", intEnv("BROADSHEET_MAX_SUBSCRIPTIONS", 20000), "most live subscriptions this replica takes; 0 for no cap (env BROADSHEET_MAX_SUBSCRIPTIONS)"),
		maxPerConn: fs.Int("max-subscriptions-per-connection", intEnv("BROADSHEET_MAX_SUBSCRIPTIONS_PER_CONNECTION", 20), "most subscriptions on one websocket; 0 for no cap (env BROADSHEET_MAX_SUBSCRIPTIONS_PER_CONNECTION)"),
		buffer:     fs.Int("subscriber-buffer", intEnv("BROADSHEET_SUBSCRIBER_BUFFER", 64), "events one subscriber may have undelivered before it is disconnected as too slow (env BROADSHEET_SUBSCRIBER_BUFFER)"),
		keepAlive:  fs.Duration("ws-keepalive", server.DefaultKeepAlive, "interval of websocket pings and keep-alive messages; a peer that misses a ping for as long is dropped"),
		sweep:      fs.Duration("outbox-sweep", 30*time.Second, "how often the outbox relay looks for events left unpublished (it is also woken by every commit)"),
		retention:  fs.Duration("outbox-retention", 7*24*time.Hour, "how long published events stay in the outbox table"),
	}
}

// liveConfig is the checked configuration of live updates.
type liveConfig struct {
	pubsubURL                   string
	origins                     []string
	maxSubs, maxPerConn, buffer int
	keepAlive, sweep, retention time.Duration
}

func (f *liveFlagValues) config() (liveConfig, error) {
	c := liveConfig{pubsubURL: strings.TrimSpace(*f.pubsub), maxSubs: *f.maxSubs, maxPerConn: *f.maxPerConn, buffer: *f.buffer,
		keepAlive: *f.keepAlive, sweep: *f.sweep, retention: *f.retention}
	for _, o := range strings.Split(*f.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.origins = append(c.origins, strings.TrimSuffix(o, "/"))
		}
	}
	switch {
	case c.maxSubs < 0 || c.maxPerConn < 0:
		return c, fmt.Errorf("--max-subscriptions and --max-subscriptions-per-connection must not be negative")
	case c.buffer < 1:
		return c, fmt.Errorf("--subscriber-buffer must be at least 1")
	case c.sweep <= 0:
		return c, fmt.Errorf("--outbox-sweep must be positive")
	}
	return c, pubsub.Check(c.pubsubURL)
}

// liveParts are the running pieces of live updates.
type liveParts struct {
	cfg         liveConfig
	broker      pubsub.Broker
	relay       *events.Relay
	hub         *live.Hub
	log         *slog.Logger
	stopRelay   context.CancelFunc
	relayDone   chan struct{}
	stopConsume context.CancelFunc
	purge       atomic.Pointer[func(keys ...string)]
}

// startLive connects to the broker (in the background when it is not up
// yet) and starts the outbox relay.
func startLive(db *dbconn.DB, cfg liveConfig, log *slog.Logger) (*liveParts, error) {
	broker, err := pubsub.Open(cfg.pubsubURL, pubsub.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	relay := events.NewRelay(store.New(db), broker, events.RelayOptions{Logger: log, Sweep: cfg.sweep, Retention: cfg.retention})
	// Registered before the server takes writes: from now on every change
	// leaves its events pending for this broker too, whatever brokers other
	// replicas on this database use.
	regCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err = relay.Register(regCtx)
	cancel()
	if err != nil {
		broker.Close()
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	lp := &liveParts{cfg: cfg, broker: broker, relay: relay, log: log, stopRelay: stop, relayDone: make(chan struct{})}
	go func() {
		defer close(lp.relayDone)
		relay.Run(ctx)
	}()
	log.Info("live updates", "pubsub", broker.Name(), "outbox_consumer", relay.Consumer())
	if broker.Name() == "memory" && db.Dialect == dbconn.MySQL {
		// MySQL is what several replicas share; SQLite is one process.
		log.Warn("live updates and response-cache purges reach only this replica with the in-memory broker " +
			"(other replicas still get every event through their own brokers); " +
			"when several replicas share this database, set --pubsub redis://… or nats://… (BROADSHEET_PUBSUB)")
	}
	return lp, nil
}

// contentOption makes every change write its events for the broker relay
// and the webhooks worker, and wake both after the commit.
func (lp *liveParts) contentOption(wakeWebhooks func()) content.Option {
	return content.WithOutbox([]string{events.ConsumerBroker, events.ConsumerWebhooks}, func() {
		lp.relay.Wake()
		wakeWebhooks()
	})
}

// serverConfig adds the hub, started on svc, to cfg.
func (lp *liveParts) serverConfig(cfg server.Config, svc *content.Service) server.Config {
	lp.hub = live.NewHub(svc, lp.broker, live.Options{Logger: lp.log, Buffer: lp.cfg.buffer, MaxSubscriptions: lp.cfg.maxSubs, MaxPerConnection: lp.cfg.maxPerConn,
		OnEvent: lp.purgeFor})
	ctx, stop := context.WithCancel(context.Background())
	lp.stopConsume = stop
	if err := lp.hub.Start(ctx); err != nil {
		lp.log.Error("live updates: subscribe to broker", "err", err)
	}
	cfg.Live = lp.hub
	cfg.AllowedOrigins = lp.cfg.origins
	cfg.KeepAlive = lp.cfg.keepAlive
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = -1
	}
	return cfg
}

// flush stops the relay's loop and publishes what is still pending.
func (lp *liveParts) flush(ctx context.Context) {
	lp.stopRelay()
	select {
	case <-lp.relayDone:
	case <-ctx.Done():
	}
	if n, err := lp.relay.Drain(ctx); err != nil {
		lp.log.Warn("live updates: events left in the outbox for the next start", "err", err)
	} else if n > 0 {
		lp.log.Info("live updates: published the last events", "count", n)
	}
	if err := lp.relay.Unregister(ctx); err != nil {
		lp.log.Warn("live updates: unregister this replica's in-memory broker (it expires by itself)", "err", err)
	}
}

func (lp *liveParts) stop() {
	lp.stopRelay()
	if lp.stopConsume != nil {
		lp.stopConsume()
	}
	lp.broker.Close()
}

// SetPurge gives the hub the server's response-cache purge, once the
// server exists: every replica then drops cached answers about what an
// event changed, whichever replica made the change.
func (lp *liveParts) SetPurge(purge func(keys ...string)) { lp.purge.Store(&purge) }

// purgeFor purges the cache keys an event makes stale.
func (lp *liveParts) purgeFor(ev events.Event) {
	p := lp.purge.Load()
	if p == nil {
		return
	}
	if keys := cachekey.ForObject(ev.ObjectType, ev.ObjectID); len(keys) > 0 {
		(*p)(keys...)
	}
}
