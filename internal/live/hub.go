// Package live fans events out to GraphQL subscribers. The hub receives each
// event from the broker once per replica, loads the object it is about once,
// decides what each class of viewer (readers, editors) may see with the
// content service's visibility rule, and hands the result to every matching
// subscriber without ever waiting for one: a subscriber whose buffer is full
// is disconnected.
package live

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/models"
)

// Kind is what a subscription listens for.
type Kind int

// The subscription kinds.
const (
	// Published: articles becoming visible to readers (articlePublished).
	Published Kind = iota
	// Updated: every change to one article the viewer may see (articleUpdated).
	Updated
	// Changed: every event, for editors (contentChanged).
	Changed
	// LiveBlog: the changes of one live blog (liveBlogUpdated).
	LiveBlog
)

// Filter selects the events a subscription receives.
type Filter struct {
	Kind Kind
	// Category is a section slug (Published only); empty means any.
	Category string
	// Tags are tag slugs (Published only): an article matches with any of
	// them; empty means any.
	Tags []string
	// ArticleID is the article of an Updated or LiveBlog subscription.
	ArticleID uint64
	// Locale keeps Published to articles in one locale; empty means any.
	Locale string
}

// Delivery is one event as a subscriber receives it.
type Delivery struct {
	Event events.Event
	// Meta is the event's id, type and time as the payload's
	// extensions.event, built once per event and shared (read-only).
	Meta map[string]any
	// Article is the article as this subscriber may see it (article
	// subscriptions).
	Article *models.Article
	// Change is set for Changed subscriptions.
	Change *Change
	// Live is set for LiveBlog subscriptions.
	Live *LiveChange
}

// Change is one entry of the editors' contentChanged feed.
type Change struct {
	EventID       string
	Type          string
	Action        string
	Actor         string
	OccurredAt    time.Time
	ObjectType    string
	ObjectRowID   uint64
	ChangedFields []string
	// Object is the *models.Article, *models.Author or *models.Category as it
	// is now, or nil when it no longer exists.
	Object any
	// Review is the transition of an article.review_changed event.
	Review *events.ReviewChange
}

// Subscriber is one subscription. The transport layer supplies how to
// deliver to it; the hub never blocks on it.
type Subscriber struct {
	Filter Filter
	// Editor subscribers see drafts; readers only what readers may see.
	Editor bool
	// Send hands d over without blocking and reports false when the
	// subscriber's buffer is full.
	Send func(d Delivery) bool
	// End finishes the subscription (the hub is shutting down or dropped
	// it); no Send follows.
	End  func()
	conn *Conn
}

// Options tune a Hub.
type Options struct {
	Logger *slog.Logger
	// Buffer is how many undelivered events one subscriber may have before
	// it is disconnected as too slow (default 64).
	Buffer int
	// MaxSubscriptions caps subscriptions on this replica (0: no cap).
	MaxSubscriptions int
	// MaxPerConnection caps subscriptions on one connection (0: no cap).
	MaxPerConnection int
	// OnEvent, when set, hears every distinct event this replica receives
	// (it purges the response cache of every replica, not only the writer's).
	OnEvent func(events.Event)
	// Retention is how long the outbox keeps events, so how far back a
	// live-blog subscription may resume (0: DefaultRetention; negative:
	// forever).
	Retention time.Duration
}

// Stats are the hub's counters.
type Stats struct {
	Subscribers int
	Events      int64 // distinct events received
	Duplicates  int64 // events received again and ignored
	Deliveries  int64
	SlowDropped int64 // subscribers disconnected for not keeping up
	Loads       int64 // objects loaded from the database for events
}

// Hub is the fan-out of one replica.
type Hub struct {
	svc    *content.Service
	broker pubsub.Broker
	opts   Options

	mu        sync.RWMutex
	published map[*Subscriber]struct{}
	updated   map[uint64]map[*Subscriber]struct{}
	changed   map[*Subscriber]struct{}
	blogs     map[uint64]map[*Subscriber]struct{}
	count     int
	closed    bool

	seen dedupe

	events, dups, deliveries, slow, loads atomic.Int64
	started                               atomic.Bool
}

// NewHub returns a hub over svc fed by broker. Call Start to receive events.
func NewHub(svc *content.Service, broker pubsub.Broker, opts Options) *Hub {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 64
	}
	return &Hub{
		svc: svc, broker: broker, opts: opts,
		published: map[*Subscriber]struct{}{},
		updated:   map[uint64]map[*Subscriber]struct{}{},
		changed:   map[*Subscriber]struct{}{},
		blogs:     map[uint64]map[*Subscriber]struct{}{},
		seen:      newDedupe(1 << 14),
	}
}

// Buffer is the per-subscriber buffer size.
func (h *Hub) Buffer() int { return h.opts.Buffer }

// Start subscribes to the broker until ctx ends.
func (h *Hub) Start(ctx context.Context) error {
	h.started.Store(true)
	return h.broker.Subscribe(ctx, h.handle)
}

// Ready reports whether live updates work right now (the broker answers).
func (h *Hub) Ready(ctx context.Context) error {
	if !h.started.Load() {
		return errors.New("live updates not started")
	}
	return h.broker.Ready(ctx)
}

// BrokerName names the broker, for logs and reports.
func (h *Hub) BrokerName() string { return h.broker.Name() }

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.RLock()
	n := h.count
	h.mu.RUnlock()
	return Stats{Subscribers: n, Events: h.events.Load(), Duplicates: h.dups.Load(), Deliveries: h.deliveries.Load(), SlowDropped: h.slow.Load(), Loads: h.loads.Load()}
}

// Subscribe registers sub until ctx ends. It fails when a limit is reached
// or the hub is shutting down.
func (h *Hub) Subscribe(ctx context.Context, sub *Subscriber) error {
	if c := ConnFrom(ctx); c != nil {
		if n := c.subs.Add(1); h.opts.MaxPerConnection > 0 && int(n) > h.opts.MaxPerConnection {
			c.subs.Add(-1)
			return apperr.New(apperr.Invalid, "at most %d subscriptions per connection", h.opts.MaxPerConnection)
		}
		sub.conn = c
	}
	h.mu.Lock()
	if h.closed || (h.opts.MaxSubscriptions > 0 && h.count >= h.opts.MaxSubscriptions) {
		closed := h.closed
		h.mu.Unlock()
		if sub.conn != nil {
			sub.conn.subs.Add(-1)
		}
		if closed {
			return apperr.New(apperr.Unavailable, "the server is shutting down; reconnect to another replica")
		}
		return apperr.New(apperr.Unavailable, "this server has the most live subscriptions it takes (%d); try again later", h.opts.MaxSubscriptions)
	}
	switch sub.Filter.Kind {
	case Published:
		h.published[sub] = struct{}{}
	case Updated, LiveBlog:
		byID := h.byArticle(sub.Filter.Kind)
		set := byID[sub.Filter.ArticleID]
		if set == nil {
			set = map[*Subscriber]struct{}{}
			byID[sub.Filter.ArticleID] = set
		}
		set[sub] = struct{}{}
	case Changed:
		h.changed[sub] = struct{}{}
	}
	h.count++
	h.mu.Unlock()
	context.AfterFunc(ctx, func() { h.remove(sub, false) })
	return nil
}

// byArticle is the registry of per-article subscriptions of kind k.
func (h *Hub) byArticle(k Kind) map[uint64]map[*Subscriber]struct{} {
	if k == LiveBlog {
		return h.blogs
	}
	return h.updated
}

// remove unregisters sub; with end, it also ends it. It reports whether
// sub was still registered.
func (h *Hub) remove(sub *Subscriber, end bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.unregisterLocked(sub) {
		return false
	}
	if end && sub.End != nil {
		sub.End()
	}
	return true
}

func (h *Hub) unregisterLocked(sub *Subscriber) bool {
	found := false
	switch sub.Filter.Kind {
	case Published:
		_, found = h.published[sub]
		delete(h.published, sub)
	case Updated, LiveBlog:
		byID := h.byArticle(sub.Filter.Kind)
		if set := byID[sub.Filter.ArticleID]; set != nil {
			_, found = set[sub]
			delete(set, sub)
			if len(set) == 0 {
				delete(byID, sub.Filter.ArticleID)
			}
		}
	case Changed:
		_, found = h.changed[sub]
		delete(h.changed, sub)
	}
	if found {
		h.count--
		if sub.conn != nil {
			sub.conn.subs.Add(-1)
		}
	}
	return found
}

// Close ends every subscription and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	var all []*Subscriber
	for s := range h.published {
		all = append(all, s)
	}
	for _, set := range h.updated {
		for s := range set {
			all = append(all, s)
		}
	}
	for s := range h.changed {
		all = append(all, s)
	}
	for _, set := range h.blogs {
		for s := range set {
			all = append(all, s)
		}
	}
	for _, s := range all {
		h.unregisterLocked(s)
		if s.End != nil {
			s.End()
		}
	}
}

// handle receives one broker message.
func (h *Hub) handle(msg pubsub.Message) {
	ev, err := events.Decode(msg.Data)
	if err != nil {
		h.opts.Logger.Warn("live updates: ignoring undecodable message", "err", err)
		return
	}
	h.Dispatch(ev)
}

// dedupe remembers the last n event ids.
type dedupe struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring []string
	next int
}

func newDedupe(n int) dedupe {
	return dedupe{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add records id and reports whether it is new.
func (d *dedupe) add(id string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.ids[id]; ok {
		return false
	}
	if old := d.ring[d.next]; old != "" {
		delete(d.ids, old)
	}
	d.ring[d.next] = id
	d.ids[id] = struct{}{}
	d.next = (d.next + 1) % len(d.ring)
	return true
}
