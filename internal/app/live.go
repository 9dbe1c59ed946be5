package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// LiveConfig configures live updates: the broker, the outbox relay and the
// hub's limits.
type LiveConfig struct {
	// PubSubURL names the broker: memory, redis://… or nats://….
	PubSubURL string
	// Origins may open websockets and call /graphql from their pages.
	Origins []string
	// MaxSubscriptions, MaxPerConnection and Buffer are the hub's limits.
	MaxSubscriptions, MaxPerConnection, Buffer int
	// KeepAlive is the websocket ping interval (0: none).
	KeepAlive time.Duration
	// Sweep and Retention pace the outbox relay.
	Sweep, Retention time.Duration
	// MaxEntryBytes caps a live-blog entry's body (--max-entry-bytes; 0:
	// content.DefaultMaxEntryBytes).
	MaxEntryBytes int
}

// Check reports a setting that cannot work.
func (c LiveConfig) Check() error {
	switch {
	case c.MaxSubscriptions < 0 || c.MaxPerConnection < 0:
		return errors.New("--max-subscriptions and --max-subscriptions-per-connection must not be negative")
	case c.Buffer < 1:
		return errors.New("--subscriber-buffer must be at least 1")
	case c.Sweep <= 0:
		return errors.New("--outbox-sweep must be positive")
	case c.MaxEntryBytes < 0:
		return errors.New("--max-entry-bytes must not be negative")
	}
	return pubsub.Check(c.PubSubURL)
}

// Live is the path of a change after its commit, in order: the content
// service writes the change's events to the outbox in the same
// transaction and wakes the relay after the commit (Wake); the relay
// publishes them to the broker; every replica's hub hears them from the
// broker, delivers them to its subscriptions and purges the response
// cache of what they changed (purgeFor).
type Live struct {
	Broker pubsub.Broker
	Relay  *events.Relay
	Hub    *live.Hub

	log         *slog.Logger
	stopRelay   context.CancelFunc
	relayDone   chan struct{}
	stopConsume context.CancelFunc
	purge       atomic.Pointer[func(keys ...string)]
}

// LiveOptions adjust how StartLive builds the path.
type LiveOptions struct {
	// Broker, when set, is used instead of opening Config.PubSubURL.
	Broker pubsub.Broker
	// Sweep and Retention pace the relay.
	Sweep, Retention time.Duration
	// NoRelay leaves the relay stopped: events stay in the outbox, as
	// after a crash between commit and publish (for tests).
	NoRelay bool
	Logger  *slog.Logger
}

// StartLive opens the broker (connecting in the background when it is not
// up yet) and starts the outbox relay over db.
func StartLive(db *dbconn.DB, pubsubURL string, o LiveOptions) (*Live, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	broker := o.Broker
	if broker == nil {
		var err error
		if broker, err = pubsub.Open(pubsubURL, pubsub.Options{Logger: o.Logger}); err != nil {
			return nil, err
		}
	}
	relay := events.NewRelay(store.New(db), broker, events.RelayOptions{Logger: o.Logger, Sweep: o.Sweep, Retention: o.Retention})
	// Registered before the server takes writes: from now on every change
	// leaves its events pending for this broker too, whatever brokers other
	// replicas on this database use.
	regCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := relay.Register(regCtx)
	cancel()
	if err != nil {
		if o.Broker == nil {
			broker.Close()
		}
		return nil, fmt.Errorf("register the live-updates broker: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	lv := &Live{Broker: broker, Relay: relay, log: o.Logger, stopRelay: stop, relayDone: make(chan struct{})}
	if o.NoRelay {
		close(lv.relayDone)
	} else {
		go func() {
			defer close(lv.relayDone)
			relay.Run(ctx)
		}()
	}
	return lv, nil
}

// ContentOption makes every change write its events for consumers and wake
// the relay (and wake, when set) after the commit.
func (lv *Live) ContentOption(consumers []string, wake func()) content.Option {
	return content.WithOutbox(consumers, func() {
		lv.Relay.Wake()
		if wake != nil {
			wake()
		}
	})
}

// StartHub starts the hub on svc: it subscribes to the broker, reloads
// every changed article into svc's search index and purges the response
// cache (once SetPurge gave it one) for every event.
func (lv *Live) StartHub(svc *content.Service, o live.Options) error {
	if o.Logger == nil {
		o.Logger = lv.log
	}
	o.OnEvent = func(ev events.Event) {
		// The index first: a search between the purge and the reload
		// would cache an answer from before the change.
		if (ev.ObjectType == events.ObjectArticle || ev.ObjectType == events.ObjectLiveBlog) && ev.ObjectID != 0 {
			svc.RefreshSearch(ev)
		}
		lv.purgeFor(ev)
	}
	lv.Hub = live.NewHub(svc, lv.Broker, o)
	ctx, stop := context.WithCancel(context.Background())
	lv.stopConsume = stop
	return lv.Hub.Start(ctx)
}

// Flush stops the relay's loop and publishes what is still pending.
func (lv *Live) Flush(ctx context.Context) {
	lv.stopRelay()
	select {
	case <-lv.relayDone:
	case <-ctx.Done():
	}
	if n, err := lv.Relay.Drain(ctx); err != nil {
		lv.log.Warn("live updates: events left in the outbox for the next start", "err", err)
	} else if n > 0 {
		lv.log.Info("live updates: published the last events", "count", n)
	}
	if err := lv.Relay.Unregister(ctx); err != nil {
		lv.log.Warn("live updates: unregister this replica's in-memory broker (it expires by itself)", "err", err)
	}
}

// Stop ends the relay and the hub's subscription, leaving the broker open.
func (lv *Live) Stop() {
	lv.stopRelay()
	<-lv.relayDone
	if lv.stopConsume != nil {
		lv.stopConsume()
	}
}

// Close stops everything and closes the broker.
func (lv *Live) Close() {
	lv.Stop()
	lv.Broker.Close()
}

// SetPurge gives the hub the server's response-cache purge, once the
// server exists: every replica then drops cached answers about what an
// event changed, whichever replica made the change.
func (lv *Live) SetPurge(purge func(keys ...string)) { lv.purge.Store(&purge) }

// purgeFor purges the cache keys an event makes stale.
func (lv *Live) purgeFor(ev events.Event) {
	p := lv.purge.Load()
	if p == nil {
		return
	}
	keys := cachekey.ForObject(ev.ObjectType, ev.ObjectID)
	if l := ev.Payload.Live; ev.ObjectType == events.ObjectLiveBlog && l != nil {
		keys = cachekey.ForLiveChange(ev.ObjectID, l.EntryID, l.Kind == content.LiveStarted)
	}
	if len(keys) > 0 {
		(*p)(keys...)
	}
}
