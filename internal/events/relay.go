package events

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Publisher is where the relay hands events on (a pubsub.Broker).
type Publisher interface {
	Publish(ctx context.Context, msgs []pubsub.Message) error
}

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
	// 7 days); zero keeps the default, negative keeps them forever.
	Retention time.Duration
}

// Relay publishes the outbox's pending events to the broker and marks them
// handled. It is woken in-process after every commit that wrote events, and
// sweeps now and then for the rest. Several replicas may run relays on one
// database: each event is taken by one of them (on MySQL), and a publish
// that is repeated after a crash carries the same event id.
type Relay struct {
	store *store.Store
	pub   Publisher
	opts  RelayOptions
	wake  chan struct{}
	mu    sync.Mutex // one drain at a time in this process

	published atomic.Int64
	failing   atomic.Bool
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
	return &Relay{store: st, pub: pub, opts: opts, wake: make(chan struct{}, 1)}
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
		n, err := r.store.HandlePending(ctx, ConsumerBroker, r.opts.Batch, func(rows []*models.OutboxEvent) error {
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

// Backlog counts the events waiting to be published.
func (r *Relay) Backlog(ctx context.Context) (int64, error) {
	return r.store.CountPending(ctx, ConsumerBroker)
}

// Run drains the outbox when woken and at every sweep until ctx ends. After
// a failure (the broker is away) it retries with growing pauses, up to the
// sweep interval, and ignores wake-ups meanwhile.
func (r *Relay) Run(ctx context.Context) {
	var pause time.Duration
	lastPrune := time.Time{}
	for {
		_, err := r.Drain(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !r.failing.Swap(true) {
				r.opts.Logger.Warn("live updates: cannot publish events; they stay in the outbox and are retried", "err", err)
			}
			pause = min(max(pause*2, 200*time.Millisecond), r.opts.Sweep)
			if !sleep(ctx, pause) {
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

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
