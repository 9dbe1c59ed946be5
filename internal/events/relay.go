package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/retry"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Publisher is where the relay hands events on (a pubsub.Broker).
type Publisher interface {
	Publish(ctx context.Context, msgs []pubsub.Message) error
}

// identified is a Publisher that names where its messages go
// (pubsub.Broker.Identity).
type identified interface{ Identity() string }

// RelayOptions tune a Relay.
type RelayOptions struct {
	Logger *slog.Logger
	// Sweep is how often the relay looks for pending events without being
	// woken (left by a crash, or piled up while the broker was away).
	// Default 30s.
	Sweep time.Duration
	// Batch is how many events one publish carries (default 200).
	Batch int
	// Retention is how long handled events stay in the outbox (default
	// 7 days); zero keeps the default, negative keeps them forever. A
	// shared broker's registration lasts as long without renewal.
	Retention time.Duration
}

// Relay publishes the outbox's pending events to the broker and marks them
// handled. It is woken in-process after every commit that wrote events, and
// sweeps now and then for the rest.
//
// Its progress is kept per broker: the relay registers its broker's
// identity (Register), every change marks its events pending for each
// registered broker, and a relay takes only its own broker's marks. So
// replicas on one Redis or NATS stream share the work (each event is taken
// by one of them, on MySQL), while a replica on another broker, even the
// in-memory one, gets its own copy of every event and takes nothing from
// the others. A publish that is repeated after a crash carries the same
// event id.
type Relay struct {
	store    *store.Store
	pub      Publisher
	opts     RelayOptions
	consumer string // this broker's consumer name in the outbox
	private  bool   // the broker lives and dies with this process
	wake     chan struct{}
	mu       sync.Mutex // one drain at a time in this process

	published  atomic.Int64
	failing    atomic.Bool
	lastRenew  atomic.Int64 // UnixNano of the last registration
	registered atomic.Bool
}

// NewRelay returns a relay from st's outbox to pub.
func NewRelay(st *store.Store, pub Publisher, opts RelayOptions) *Relay {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Sweep <= 0 {
		opts.Sweep = 30 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	if opts.Retention == 0 {
		opts.Retention = 7 * 24 * time.Hour
	}
	id := fmt.Sprintf("%T:%p", pub, pub) // a publisher of tests
	if b, ok := pub.(identified); ok {
		id = b.Identity()
	}
	return &Relay{store: st, pub: pub, opts: opts, wake: make(chan struct{}, 1),
		consumer: consumerName(id), private: !strings.HasPrefix(id, "redis:") && !strings.HasPrefix(id, "nats:")}
}

// consumerName is the outbox consumer of the broker with identity id, short
// enough for the consumer column.
func consumerName(id string) string {
	name := store.BrokerConsumerPrefix + id
	if len(name) <= 120 {
		return name
	}
	sum := sha256.Sum256([]byte(id))
	return name[:100] + "~" + hex.EncodeToString(sum[:8])
}

// Consumer is the outbox consumer name of this relay's broker.
func (r *Relay) Consumer() string { return r.consumer }

// registration is how long the broker's registration lasts unrenewed: a
// private broker's a few sweeps (its process is gone when it stops
// renewing), a shared one's the outbox retention, since a replica on it
// may come back and its subscribers catch up.
func (r *Relay) registration() time.Duration {
	if r.private {
		return max(10*r.opts.Sweep, 5*time.Minute)
	}
	if r.opts.Retention < 0 {
		return 100 * 365 * 24 * time.Hour
	}
	return r.opts.Retention
}

// Register registers (or renews) the relay's broker, so every change
// committed from now on leaves its events pending for it. Call it before
// the replica takes writes; Run renews it at every sweep.
func (r *Relay) Register(ctx context.Context) error {
	now := time.Now()
	created, err := r.store.RegisterBroker(ctx, r.consumer, now, now.Add(r.registration()))
	if err != nil {
		return fmt.Errorf("live updates: register broker: %w", err)
	}
	r.lastRenew.Store(now.UnixNano())
	if created && r.registered.Swap(true) {
		r.opts.Logger.Warn("live updates: this broker's registration had run out; events committed meanwhile were not published to it", "consumer", r.consumer)
	}
	r.registered.Store(true)
	return nil
}

// Unregister removes a private broker's registration and its backlog, as
// its process stops (nobody can receive from it any more). A shared
// broker's stays: other replicas may use it.
func (r *Relay) Unregister(ctx context.Context) error {
	if !r.private {
		return nil
	}
	return r.store.UnregisterBroker(ctx, r.consumer)
}

// renew renews the registration once a sweep and expires the brokers
// whose owners stopped renewing theirs.
func (r *Relay) renew(ctx context.Context) {
	if time.Since(time.Unix(0, r.lastRenew.Load())) < r.opts.Sweep/2 {
		return
	}
	if err := r.Register(ctx); err != nil {
		r.opts.Logger.Warn("live updates: renew broker registration", "err", err)
		return
	}
	gone, err := r.store.ExpireBrokers(ctx, time.Now())
	if err != nil {
		r.opts.Logger.Warn("live updates: expire brokers", "err", err)
	}
	for _, name := range gone {
		r.opts.Logger.Info("live updates: dropped an expired broker and its backlog", "consumer", name)
	}
}

// Wake asks the relay to look for pending events now. It never blocks.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Published returns how many events this relay has handed on.
func (r *Relay) Published() int64 { return r.published.Load() }

// Drain hands on every pending event, batch by batch, and returns how many
// it published. It stops at the first failure, leaving the rest pending.
func (r *Relay) Drain(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	for {
		n, err := r.store.HandlePending(ctx, r.consumer, r.opts.Batch, func(rows []*models.OutboxEvent) error {
			msgs := make([]pubsub.Message, 0, len(rows))
			for _, row := range rows {
				ev, err := FromRow(row)
				if err != nil {
					// A row we cannot read would block the outbox forever:
					// log it and let it go.
					r.opts.Logger.Error("live updates: dropping unreadable outbox event", "seq", row.Seq, "err", err)
					continue
				}
				b, err := ev.Marshal()
				if err != nil {
					return fmt.Errorf("encode event %s: %w", ev.ID, err)
				}
				msgs = append(msgs, pubsub.Message{ID: ev.ID, Data: b})
			}
			if len(msgs) == 0 {
				return nil
			}
			return r.pub.Publish(ctx, msgs)
		})
		total += n
		r.published.Add(int64(n))
		if err != nil {
			return total, err
		}
		if n < r.opts.Batch {
			return total, nil
		}
	}
}

// Backlog counts the events waiting to be published to this relay's
// broker.
func (r *Relay) Backlog(ctx context.Context) (int64, error) {
	return r.store.CountPending(ctx, r.consumer)
}

// Run drains the outbox when woken and at every sweep until ctx ends. After
// a failure (the broker is away) it retries with growing pauses, up to the
// sweep interval, and ignores wake-ups meanwhile.
func (r *Relay) Run(ctx context.Context) {
	var pause time.Duration
	lastPrune := time.Time{}
	for {
		r.renew(ctx)
		_, err := r.Drain(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !r.failing.Swap(true) {
				r.opts.Logger.Warn("live updates: cannot publish events; they stay in the outbox and are retried", "err", err)
			}
			pause = min(max(pause*2, 200*time.Millisecond), r.opts.Sweep)
			if !retry.Sleep(ctx, pause) {
				return
			}
			continue
		}
		if r.failing.Swap(false) {
			r.opts.Logger.Info("live updates: publishing events again")
		}
		pause = 0
		if r.opts.Retention > 0 && time.Since(lastPrune) > time.Hour {
			lastPrune = time.Now()
			if n, err := r.store.PruneEvents(ctx, time.Now().Add(-r.opts.Retention), 10000); err != nil {
				r.opts.Logger.Warn("live updates: prune outbox", "err", err)
			} else if n > 0 {
				r.opts.Logger.Info("live updates: pruned old outbox events", "count", n)
			}
		}
		t := time.NewTimer(r.opts.Sweep)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.wake:
			t.Stop()
		case <-t.C:
		}
	}
}
