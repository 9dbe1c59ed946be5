package live

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// DefaultRetention is how long live-blog changes can be replayed when
// Options.Retention is zero: as long as the outbox keeps events.
const DefaultRetention = 7 * 24 * time.Hour

// replayBatch is how many missed changes one replay query reads.
const replayBatch = 500

// LiveChange is one change to a live blog as liveBlogUpdated delivers it.
// One value is built per event and class of viewer, and shared read-only by
// every subscriber of that class.
type LiveChange struct {
	Kind       models.LiveChangeKind
	EntryRowID uint64
	// Entry is the entry as it now is; nil for DELETED, STARTED, ENDED and
	// entries deleted since.
	Entry *models.LiveEntry
	// Seq is the event's outbox sequence number, the order of changes.
	Seq    uint64
	Cursor string
	At     time.Time
}

// EntryGlobalID is the entry's global id, or nil for STARTED and ENDED.
func (c *LiveChange) EntryGlobalID() *string {
	if c.EntryRowID == 0 {
		return nil
	}
	id := globalid.ID(globalid.TypeLiveEntry, c.EntryRowID)
	return &id
}

const cursorPrefix = "lb1:"

// EncodeCursor returns the opaque cursor of the change seq saved at at.
func EncodeCursor(seq uint64, at time.Time) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatUint(seq, 10) + ":" + strconv.FormatInt(at.UnixNano(), 10)))
}

// Cursor is a decoded live-blog cursor: a change's outbox sequence number
// and when it was saved.
type Cursor struct {
	Seq uint64
	At  time.Time
}

// DecodeCursor parses a client's since cursor; damage is BAD_USER_INPUT.
func DecodeCursor(s string) (Cursor, error) {
	bad := apperr.Invalidf("since", "invalid cursor %q: pass the cursor of a change you received", apperr.Clip(s, 64))
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return Cursor{}, bad
	}
	seq, at, ok := strings.Cut(string(raw)[len(cursorPrefix):], ":")
	if !ok {
		return Cursor{}, bad
	}
	n, err1 := strconv.ParseUint(seq, 10, 64)
	ns, err2 := strconv.ParseInt(at, 10, 64)
	if err1 != nil || err2 != nil || n == 0 {
		return Cursor{}, bad
	}
	return Cursor{Seq: n, At: time.Unix(0, ns).UTC()}, nil
}

// CheckCursor refuses a cursor older than the changes the server keeps
// (CURSOR_EXPIRED): the outbox prunes events older than the retention, so
// changes after such a cursor may be gone. A minute's margin covers clocks
// of replicas that disagree a little.
func (h *Hub) CheckCursor(c Cursor) error {
	r := h.opts.Retention
	if r == 0 {
		r = DefaultRetention
	}
	if r < 0 {
		return nil // events are kept forever
	}
	if c.At.Before(time.Now().Add(-r + time.Minute)) {
		return apperr.New(apperr.CursorExpired, "the cursor is older than the %s of changes the server keeps: reload the live blog", r)
	}
	return nil
}

// Follow describes a liveBlogUpdated subscription.
type Follow struct {
	ArticleID uint64
	// Since, when set, asks first for every change after it.
	Since  *Cursor
	Editor bool
}

// FollowLiveBlog subscribes to a live blog and returns the channel of its
// changes, each wrapped by wrap. With f.Since, the changes after it are
// first replayed from the outbox, then live ones follow: the subscription
// is registered before the replay starts, live changes that arrive
// meanwhile wait, and every change is handed on once, in sequence order.
func FollowLiveBlog[E any](ctx context.Context, h *Hub, f Follow, wrap func(*Delivery) E) (<-chan E, error) {
	ch := make(chan E, h.Buffer())
	fl := &follower[E]{ch: ch, wrap: wrap, max: h.Buffer() * 16, replaying: f.Since != nil}
	if f.Since != nil {
		fl.last = f.Since.Seq
	}
	rctx, cancel := context.WithCancel(ctx)
	fl.cancel = cancel
	sub := &Subscriber{Filter: Filter{Kind: LiveBlog, ArticleID: f.ArticleID}, Editor: f.Editor, Send: fl.send, End: fl.end}
	if err := h.Subscribe(ctx, sub); err != nil {
		cancel()
		return nil, err
	}
	fl.unsubscribe = func() { h.remove(sub, false) }
	if f.Since != nil {
		go fl.replay(rctx, h, f)
	}
	return ch, nil
}

type follower[E any] struct {
	ch     chan E
	wrap   func(*Delivery) E
	max    int
	cancel context.CancelFunc
	// unsubscribe takes the subscription off the hub.
	unsubscribe func()

	mu        sync.Mutex
	replaying bool
	ended     bool
	pending   []Delivery
	last      uint64 // the last sequence number handed on
}

// send is the hub's Send: never blocking.
func (f *follower[E]) send(d Delivery) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.replaying {
		if len(f.pending) >= f.max {
			return false
		}
		f.pending = append(f.pending, d)
		return true
	}
	if d.Event.Seq != 0 && d.Event.Seq <= f.last {
		return true // replayed already
	}
	select {
	case f.ch <- f.wrap(&d):
		f.last = max(f.last, d.Event.Seq)
		return true
	default:
		return false
	}
}

// end is the hub's End; during a replay the replaying goroutine closes.
func (f *follower[E]) end() {
	f.mu.Lock()
	if f.replaying {
		f.ended = true
		f.mu.Unlock()
		f.cancel()
		return
	}
	f.mu.Unlock()
	close(f.ch)
}

// put hands d on, waiting for the client, unless it was handed on before.
func (f *follower[E]) put(ctx context.Context, d Delivery) bool {
	if d.Event.Seq <= f.last {
		return true
	}
	select {
	case f.ch <- f.wrap(&d):
		f.last = d.Event.Seq
		return true
	case <-ctx.Done():
		return false
	}
}

// replay hands on the changes after f.Since from the outbox, then those
// that arrived live meanwhile, then lets live ones through.
func (fl *follower[E]) replay(ctx context.Context, h *Hub, f Follow) {
	defer fl.cancel()
	fl.goLive(ctx, h.replay(ctx, f, func(d Delivery) bool { return fl.put(ctx, d) }))
}

// goLive hands on the live changes held during the replay (unless the
// replay failed: !ok), then lets live ones through; it closes the channel
// when the hub ended the subscription meanwhile.
func (fl *follower[E]) goLive(ctx context.Context, ok bool) {
	for ok {
		fl.mu.Lock()
		batch := fl.pending
		fl.pending = nil
		if len(batch) == 0 || fl.ended {
			fl.replaying = false
			ended := fl.ended
			fl.mu.Unlock()
			if ended {
				close(fl.ch)
			}
			return
		}
		fl.mu.Unlock()
		for _, d := range batch {
			if ok = fl.put(ctx, d); !ok {
				break
			}
		}
	}
	// The replay failed (the client went away, or the database did): the
	// subscription ends rather than go on with a gap. The client is told
	// "complete" and subscribes again from its last cursor.
	if fl.unsubscribe != nil {
		fl.unsubscribe() // from now on the hub neither sends nor ends
	}
	fl.mu.Lock()
	fl.replaying = false
	fl.mu.Unlock()
	close(fl.ch)
}

// replay reads the changes of f's blog after f.Since and gives them to put
// in order, until put refuses one or none are left.
func (h *Hub) replay(ctx context.Context, f Follow, put func(Delivery) bool) bool {
	after := f.Since.Seq
	for {
		evs, err := h.svc.LiveBlogChanges(ctx, f.ArticleID, after, replayBatch)
		if err != nil {
			if ctx.Err() == nil {
				h.opts.Logger.Error("live updates: replay live blog", "article", f.ArticleID, "after", after, "err", err)
			}
			return false
		}
		if len(evs) == 0 {
			return true
		}
		readers, editors, err := h.liveChanges(ctx, f.ArticleID, evs)
		if err != nil {
			h.opts.Logger.Error("live updates: load replayed entries", "article", f.ArticleID, "err", err)
			return false
		}
		for i, ev := range evs {
			c := readers[i]
			if f.Editor {
				c = editors[i]
			}
			after = ev.Seq
			if c == nil {
				continue
			}
			if !put(Delivery{Event: ev, Meta: meta(ev), Live: c}) {
				return false
			}
		}
		if len(evs) < replayBatch {
			return true
		}
	}
}

func meta(ev events.Event) map[string]any {
	return map[string]any{"id": ev.ID, "type": ev.Type, "occurredAt": ev.OccurredAt.UTC().Format(time.RFC3339Nano)}
}

// liveChanges builds the changes of evs (all of one blog) as readers and as
// editors see them, with one query for the article's visibility and two for
// the entries and their bylines. A reader's change is nil when readers may
// not see the blog.
func (h *Hub) liveChanges(ctx context.Context, articleID uint64, evs []events.Event) (readers, editors []*LiveChange, err error) {
	h.loads.Add(1)
	visible, err := h.svc.ReaderVisibleArticle(ctx, articleID)
	if err != nil {
		return nil, nil, fmt.Errorf("check live blog %d: %w", articleID, err)
	}
	var ids []uint64
	for _, ev := range evs {
		if l := ev.Payload.Live; l != nil && l.EntryID != 0 {
			ids = append(ids, l.EntryID)
		}
	}
	entries := map[uint64]*models.LiveEntry{}
	if len(ids) > 0 {
		if entries, err = h.svc.LiveEntriesForEvents(ctx, ids); err != nil {
			return nil, nil, fmt.Errorf("load entries of live blog %d: %w", articleID, err)
		}
	}
	readers, editors = make([]*LiveChange, len(evs)), make([]*LiveChange, len(evs))
	for i, ev := range evs {
		l := ev.Payload.Live
		if l == nil {
			continue
		}
		c := &LiveChange{Kind: models.LiveChangeKind(l.Kind), EntryRowID: l.EntryID, Seq: ev.Seq, Cursor: EncodeCursor(ev.Seq, ev.OccurredAt), At: ev.OccurredAt}
		if e := entries[l.EntryID]; e != nil && e.DeletedAt == nil && l.Kind != "DELETED" {
			c.Entry = e
		}
		editors[i] = c
		if visible {
			readers[i] = c
		}
	}
	return readers, editors, nil
}

// dispatchLive fans a live-blog event out to the blog's subscribers: the
// change is built once and the same value goes to every subscriber.
func (h *Hub) dispatchLive(ctx context.Context, ev events.Event) []*Subscriber {
	readers, editors, err := h.liveChanges(ctx, ev.ObjectID, []events.Event{ev})
	if err != nil {
		h.opts.Logger.Error("live updates: live blog event", "event", ev.ID, "err", err)
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	var overflow []*Subscriber
	send := func(s *Subscriber, c *LiveChange) {
		if c == nil {
			return
		}
		if s.Send(Delivery{Event: ev, Meta: ev.Meta, Live: c}) {
			h.deliveries.Add(1)
		} else {
			overflow = append(overflow, s)
		}
	}
	for s := range h.blogs[ev.ObjectID] {
		if s.Editor {
			send(s, editors[0])
		} else {
			send(s, readers[0])
		}
	}
	return overflow
}
