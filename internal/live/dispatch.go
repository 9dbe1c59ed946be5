package live

import (
	"context"
	"slices"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/models"
)

// Dispatch fans ev out to the matching subscribers. An event seen before
// (same id) is ignored.
func (h *Hub) Dispatch(ev events.Event) {
	if !h.seen.add(ev.ID) {
		h.dups.Add(1)
		return
	}
	// Counted once fanned out, so a subscriber that registers after the
	// count includes this event (testserver.Settle) cannot also hear it.
	defer h.events.Add(1)
	if h.opts.OnEvent != nil {
		h.opts.OnEvent(ev)
	}
	if !h.interested(ev) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev.Meta = map[string]any{"id": ev.ID, "type": ev.Type, "occurredAt": ev.OccurredAt.UTC().Format(time.RFC3339Nano)}
	var overflow []*Subscriber
	switch ev.ObjectType {
	case events.ObjectArticle:
		overflow = h.dispatchArticle(ctx, ev)
	case events.ObjectLiveBlog:
		overflow = h.dispatchLive(ctx, ev)
	default:
		overflow = h.dispatchChange(ctx, ev, h.loadObject(ctx, ev))
	}
	for _, s := range overflow {
		if h.remove(s, true) {
			h.slow.Add(1)
			if s.conn != nil {
				s.conn.Close(CloseTryAgainLater, "slow consumer: too many undelivered events")
			}
		}
	}
}

// interested reports whether any subscriber could want ev, so an event
// nobody listens to costs no query.
func (h *Hub) interested(ev events.Event) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if ev.ObjectType == events.ObjectLiveBlog {
		return len(h.blogs[ev.ObjectID]) > 0
	}
	if len(h.changed) > 0 {
		return true
	}
	if ev.ObjectType != events.ObjectArticle {
		return false
	}
	return len(h.updated[ev.ObjectID]) > 0 || (ev.Type == events.ArticlePublished && len(h.published) > 0)
}

var (
	readerCtx = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Reader})
	editorCtx = auth.WithViewer(context.Background(), auth.Viewer{Role: auth.Editor})
)

func (h *Hub) dispatchArticle(ctx context.Context, ev events.Event) []*Subscriber {
	h.loads.Add(1)
	a, err := h.svc.ArticleForEvent(ctx, ev.ObjectID)
	if err != nil {
		h.opts.Logger.Error("live updates: load article for event", "event", ev.ID, "article", ev.ObjectID, "err", err)
		return nil
	}
	// What each class of viewer gets, decided once for all subscribers.
	var forReaders, forEditors *models.Article
	published := false
	if a != nil && h.svc.CanSee(readerCtx, a) {
		forReaders = a
		published = ev.Type == events.ArticlePublished
	} else if st := ev.Payload.Article; st != nil && (st.WasReaderVisible || st.ReaderVisible) {
		// Readers saw it until now: tell them it is gone, without anything
		// they may no longer see.
		forReaders = tombstone(ev)
	}
	if ev.Type == events.ArticleReviewChanged {
		forReaders = nil // review is the newsroom's business: readers saw no change
	}
	// Editors see every state, deleted included (deletedAt tells).
	forEditors = a
	if a == nil {
		forEditors = tombstone(ev)
	}
	editorPublished := ev.Type == events.ArticlePublished && a != nil && h.svc.CanSee(editorCtx, a)

	var change *Change
	h.mu.RLock()
	defer h.mu.RUnlock()
	if len(h.changed) > 0 {
		change = newChange(ev, forEditors)
	}
	var overflow []*Subscriber
	send := func(s *Subscriber, d Delivery) {
		if s.Send(d) {
			h.deliveries.Add(1)
		} else {
			overflow = append(overflow, s)
		}
	}
	pick := func(s *Subscriber) *models.Article {
		if s.Editor {
			return forEditors
		}
		return forReaders
	}
	if published || editorPublished {
		for s := range h.published {
			if (s.Editor && !editorPublished) || (!s.Editor && !published) || !matches(s.Filter, a) {
				continue
			}
			send(s, Delivery{Event: ev, Meta: ev.Meta, Article: a})
		}
	}
	for s := range h.updated[ev.ObjectID] {
		if v := pick(s); v != nil {
			send(s, Delivery{Event: ev, Meta: ev.Meta, Article: v})
		}
	}
	for s := range h.changed {
		send(s, Delivery{Event: ev, Meta: ev.Meta, Change: change})
	}
	return overflow
}

func (h *Hub) loadObject(ctx context.Context, ev events.Event) any {
	h.loads.Add(1)
	var obj any
	var err error
	switch ev.ObjectType {
	case events.ObjectAuthor:
		var a *models.Author
		if a, err = h.svc.AuthorForEvent(ctx, ev.ObjectID); a != nil {
			obj = a
		}
	case events.ObjectCategory:
		var c *models.Category
		if c, err = h.svc.CategoryForEvent(ctx, ev.ObjectID); c != nil {
			obj = c
		}
	}
	if err != nil {
		h.opts.Logger.Error("live updates: load object for event", "event", ev.ID, "type", ev.ObjectType, "id", ev.ObjectID, "err", err)
	}
	return obj
}

func (h *Hub) dispatchChange(_ context.Context, ev events.Event, obj any) []*Subscriber {
	h.mu.RLock()
	defer h.mu.RUnlock()
	change := newChange(ev, obj)
	var overflow []*Subscriber
	for s := range h.changed {
		if s.Send(Delivery{Event: ev, Meta: ev.Meta, Change: change}) {
			h.deliveries.Add(1)
		} else {
			overflow = append(overflow, s)
		}
	}
	return overflow
}

func newChange(ev events.Event, obj any) *Change {
	c := &Change{
		EventID: ev.ID, Type: ev.Type, Action: ev.Payload.Action, Actor: ev.Actor, OccurredAt: ev.OccurredAt,
		ObjectType: ev.ObjectType, ObjectRowID: ev.ObjectID, ChangedFields: ev.Payload.ChangedFields,
		Review: ev.Payload.Review,
	}
	if c.ChangedFields == nil {
		c.ChangedFields = []string{}
	}
	switch o := obj.(type) {
	case *models.Article:
		if o != nil {
			c.Object = o
		}
	case nil:
	default:
		c.Object = o
	}
	return c
}

// matches applies an articlePublished filter to a loaded article.
func matches(f Filter, a *models.Article) bool {
	if a == nil || a.Relations == nil {
		return false
	}
	if f.Locale != "" && a.Locale != f.Locale {
		return false
	}
	if f.Category != "" && (a.Relations.Category == nil || a.Relations.Category.Slug != f.Category) {
		return false
	}
	if len(f.Tags) == 0 {
		return true
	}
	for _, t := range a.Relations.Tags {
		if slices.Contains(f.Tags, t.Slug) {
			return true
		}
	}
	return false
}

// tombstone is what a reader learns about an article that just left their
// view: its id, slug, status, version, when it changed and whether it was
// deleted, as recorded with the event — none of its content.
func tombstone(ev events.Event) *models.Article {
	a := &models.Article{ID: ev.ObjectID, Relations: &models.ArticleRelations{Authors: []*models.Author{}, Tags: []*models.Tag{}, Loaded: models.AllRelations}}
	if st := ev.Payload.Article; st != nil {
		a.Slug, a.Status, a.Version, a.UpdatedAt, a.DeletedAt = st.Slug, st.Status, st.Version, st.UpdatedAt, st.DeletedAt
		a.Locale = st.Locale
		if st.Status == models.StatusPublished && st.DeletedAt == nil && !st.ReaderVisible {
			// published but not yet visible (a future publication time)
			a.Status = models.StatusScheduled
		}
	}
	a.CreatedAt = a.UpdatedAt
	return a
}
