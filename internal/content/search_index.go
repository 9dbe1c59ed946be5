package content

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/searchindex"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// This replica's search index (internal/searchindex): built from the
// database at start (StartSearchIndex, in the background; a service
// nobody started builds it on its first search), reloaded for an article
// right after every commit that changed it on this replica (change), and
// for the changes of other replicas from their events (RefreshSearch,
// called by the live hub for every article event, before it purges the
// response cache). Until it is built,
// search asks the database as before.

// StartSearchIndex builds the search index in the background and keeps
// reloading what NotifySearch queues until ctx ends.
func (s *Service) StartSearchIndex(ctx context.Context, log *slog.Logger) {
	s.search.SetLogger(log)
	// The build and the worker's reloads read the primary: a read replica
	// may not have the changes their events announce yet.
	s.search.Start(dbconn.WithPrimary(ctx))
}

// reloadedEvents bounds Service.reloaded.
const reloadedEvents = 4096

// RefreshSearch reloads into the search index the article of an event a
// replica committed; when the database cannot be read it is queued for
// the index's worker to try again. An event of this replica's own change
// waits for the change's reload instead (marked before the commit, it
// may come back while the reload runs), so that the hub purges the
// response cache after it; only if that reload failed, or the change did
// not learn that it committed, is the article reloaded here.
func (s *Service) RefreshSearch(ev events.Event) {
	if ev.ID != "" {
		if r, ok := s.reloaded.Get(ev.ID); ok {
			s.reloaded.Remove(ev.ID)
			if r.wait() {
				return
			}
		}
	}
	s.refreshSearch(context.Background(), ev.ObjectID)
}

// searchReload is a change's reload of its article into search, which
// the change's events wait for.
type searchReload struct {
	done chan struct{}
	ok   atomic.Bool // set before done is closed
}

// reloadWait bounds an event's wait for its change's reload (which has a
// timeout of its own, refreshSearch's).
const reloadWait = 15 * time.Second

// finish records the reload's outcome and lets the events go.
func (r *searchReload) finish(ok bool) {
	r.ok.Store(ok)
	close(r.done)
}

// wait reports whether the reload succeeded, once it is done.
func (r *searchReload) wait() bool {
	t := time.NewTimer(reloadWait)
	defer t.Stop()
	select {
	case <-r.done:
		return r.ok.Load()
	case <-t.C:
		return false
	}
}

// SearchIndexStats reports the search index's size and its build.
func (s *Service) SearchIndexStats() (articles int, build time.Duration) {
	return s.search.Stats()
}

// SearchIndexReloads reports how many articles this replica reloaded
// into its search index after reading them in its build.
func (s *Service) SearchIndexReloads() int64 { return s.search.Reloads() }

// SearchIndexBytes estimates the memory the search index holds (0 before
// it is built).
func (s *Service) SearchIndexBytes() int64 {
	if x := s.search.Index(); x != nil {
		return x.Bytes()
	}
	return 0
}

// refreshSearch reloads an article the service just committed a change
// of. Its statements are the replica's upkeep, not the request's: they
// run outside the request's context (and its statement count).
// It reads the primary (a read replica may not have the change yet) and
// reports whether the reload succeeded; one that failed is queued for
// the index's worker to try again.
func (s *Service) refreshSearch(ctx context.Context, id uint64) bool {
	rctx, cancel := context.WithTimeout(dbconn.WithPrimary(context.Background()), 10*time.Second)
	defer cancel()
	if err := s.search.Refresh(rctx, id); err != nil {
		slog.WarnContext(ctx, "search index: reload a changed article (queued again)", "article", id, "err", err)
		s.search.Notify(id)
		return false
	}
	return true
}

// eventsTx is a transaction that remembers the events appended in it.
type eventsTx struct {
	TxStorage
	appended []*models.OutboxEvent
}

func (t *eventsTx) AppendEvents(ctx context.Context, consumers []string, evs ...*models.OutboxEvent) error {
	if err := t.TxStorage.AppendEvents(ctx, consumers, evs...); err != nil {
		return err
	}
	t.appended = append(t.appended, evs...)
	return nil
}

// markReloaded remembers the events among appended about the article
// (or live blog) id, whose reload into search the change does after its
// commit: they wait for the returned reload's finish.
func (s *Service) markReloaded(appended []*models.OutboxEvent, id uint64) *searchReload {
	r := &searchReload{done: make(chan struct{})}
	for _, e := range appended {
		if e.ObjectID == id && (e.ObjectType == events.ObjectArticle || e.ObjectType == events.ObjectLiveBlog) {
			s.reloaded.Add(e.EventID, r)
		}
	}
	return r
}

// searchFilter is f in the index's terms; ok is false when f names a
// section, tag or author that does not exist (nothing can match).
func (s *Service) searchFilter(ctx context.Context, f store.ArticleFilter) (_ searchindex.Filter, ok bool, _ error) {
	out := searchindex.Filter{
		PublishedOnly: f.Visibility.PublishedOnly, Now: f.Visibility.Now, IncludeDeleted: f.Visibility.IncludeDeleted,
		CategoryID: f.CategoryID, AuthorID: f.AuthorID, PublishedAfter: f.PublishedAfter, PublishedBefore: f.PublishedBefore,
		Locale: f.Locale, ExcludeIDs: f.ExcludeIDs,
	}
	for _, st := range f.Statuses {
		out.Statuses = append(out.Statuses, string(st))
	}
	for _, rs := range f.ReviewStates {
		out.ReviewStates = append(out.ReviewStates, string(rs))
	}
	if f.TagID != 0 {
		out.TagIDs = []uint64{f.TagID}
	}
	if f.CategorySlug == "" && len(f.TagSlugs) == 0 && f.AuthorSlug == "" {
		return out, true, nil
	}
	cat, tags, author, err := s.store.SlugIDs(ctx, f.CategorySlug, f.TagSlugs, f.AuthorSlug)
	if err != nil {
		return out, false, err
	}
	switch {
	case f.CategorySlug != "" && (cat == 0 || (f.CategoryID != 0 && f.CategoryID != cat)):
		return out, false, nil
	case len(f.TagSlugs) > 0 && len(tags) == 0:
		return out, false, nil
	case f.AuthorSlug != "" && (author == 0 || (f.AuthorID != 0 && f.AuthorID != author)):
		return out, false, nil
	case len(f.TagSlugs) > 0 && f.TagID != 0:
		// Both: the article needs the tag id and one of the slugs' tags.
		if !containsID(tags, f.TagID) {
			return out, false, nil
		}
	}
	if cat != 0 {
		out.CategoryID = cat
	}
	if len(f.TagSlugs) > 0 && f.TagID == 0 {
		out.TagIDs = tags
	}
	if author != 0 {
		out.AuthorID = author
	}
	return out, true, nil
}

func containsID(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// SearchIndexed reports whether search answers from the index (built),
// rather than from the database.
func (s *Service) SearchIndexed() bool { return s.search.Index() != nil }
