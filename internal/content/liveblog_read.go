package content

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// The reading side of live blogs: the blog, its entries and highlights as
// the viewer may see them, and entries and changes as live updates load
// them (once per event, for every subscriber). Writes are in liveblog.go.

// LiveBlog returns the live blog of an article the caller already may see
// (it was loaded with the viewer's visibility), or nil.
func (s *Service) LiveBlog(ctx context.Context, a *models.Article) (*models.LiveBlog, error) {
	b, err := s.store.LiveBlog(ctx, a.ID)
	if err != nil || b == nil {
		return b, err
	}
	last, err := s.store.LatestLiveBlogEvent(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if last != nil {
		b.LastSeq, b.LastAt = last.Seq, last.CreatedAt
	}
	return b, nil
}

// LiveBlogsOf returns the live blogs of articles the caller already may
// see, one per id (nil for an article that is not one): a page's loader.
func (s *Service) LiveBlogsOf(ctx context.Context, articleIDs []uint64) ([]*models.LiveBlog, error) {
	m, err := s.store.LiveBlogsOf(ctx, articleIDs)
	if err != nil {
		return nil, err
	}
	out := make([]*models.LiveBlog, len(articleIDs))
	for i, id := range articleIDs {
		out[i] = m[id]
	}
	return out, nil
}

// MaxLiveUpdatesLD caps the entries a live blog's JSON-LD lists
// (liveBlogUpdate): the newest, as search engines read the latest.
const MaxLiveUpdatesLD = 20

// NewestLiveEntries returns up to limit of the shown entries of a live
// blog whose article the caller already may see, newest first, with their
// bylines (two queries).
func (s *Service) NewestLiveEntries(ctx context.Context, articleID uint64, limit int) ([]*models.LiveEntry, error) {
	l, err := s.store.NewestLiveEntries(ctx, articleID, limit)
	if err != nil {
		return nil, err
	}
	return l, s.FillLiveAuthors(ctx, l)
}

// LiveBlogByArticleID returns an article's live blog if the viewer may see
// the article, with the article.
func (s *Service) LiveBlogByArticleID(ctx context.Context, id uint64) (*models.LiveBlog, *models.Article, error) {
	a, err := s.ArticleByID(ctx, id)
	if err != nil || a == nil {
		return nil, nil, err
	}
	b, err := s.store.LiveBlog(ctx, id)
	return b, a, err
}

// LiveEntryFilter selects a live blog's shown entries.
type LiveEntryFilter struct {
	ArticleID     uint64
	KeyEventsOnly bool
	PinnedOnly    bool
}

// LiveEntries returns a page of a live blog's shown entries, newest first.
func (s *Service) LiveEntries(ctx context.Context, filter LiveEntryFilter, args page.Args) (*page.List[*models.LiveEntry], error) {
	p, err := args.Request(true)
	if err != nil {
		return nil, err
	}
	f := store.LiveEntryFilter(filter)
	return page.Load(ctx, p, func(ctx context.Context) (int64, error) { return s.store.CountLiveEntries(ctx, f) },
		func(ctx context.Context, p page.Request) (*page.List[*models.LiveEntry], error) {
			l, err := s.store.ListLiveEntries(ctx, f, p)
			if err != nil {
				return nil, err
			}
			return l, s.FillLiveAuthors(ctx, l.Items)
		})
}

// LiveHighlights returns a blog's pinned entries or key events (at most
// 50), newest first.
func (s *Service) LiveHighlights(ctx context.Context, filter LiveEntryFilter) ([]*models.LiveEntry, error) {
	l, err := s.store.LiveHighlights(ctx, store.LiveEntryFilter(filter))
	if err != nil {
		return nil, err
	}
	return l, s.FillLiveAuthors(ctx, l)
}

// CountLiveEntries counts a live blog's shown entries.
func (s *Service) CountLiveEntries(ctx context.Context, articleID uint64) (int64, error) {
	return s.store.CountLiveEntries(ctx, store.LiveEntryFilter{ArticleID: articleID})
}

// LiveEntryByID returns a shown entry of a live blog whose article the
// viewer may see, or nil.
func (s *Service) LiveEntryByID(ctx context.Context, id uint64) (*models.LiveEntry, error) {
	e, err := s.store.LiveEntryByID(ctx, id)
	if err != nil || e == nil || e.DeletedAt != nil {
		return nil, err
	}
	a, err := s.ArticleByID(ctx, e.ArticleID)
	if err != nil || a == nil {
		return nil, err
	}
	return s.withByline(ctx, e, nil)
}

// withByline loads e's byline (e nil or err set: passed through). Every
// entry the service hands out has it, so LiveEntry.authors is read in line.
func (s *Service) withByline(ctx context.Context, e *models.LiveEntry, err error) (*models.LiveEntry, error) {
	if err != nil || e == nil {
		return e, err
	}
	return e, s.FillLiveAuthors(ctx, []*models.LiveEntry{e})
}

// liveEntriesByIDs returns the shown entries among ids whose articles the
// viewer may see (nodes(ids:)).
func (s *Service) liveEntriesByIDs(ctx context.Context, ids []uint64) (map[uint64]*models.LiveEntry, error) {
	m, err := s.store.LiveEntriesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	var articleIDs []uint64
	for id, e := range m {
		if e.DeletedAt != nil {
			delete(m, id)
			continue
		}
		articleIDs = append(articleIDs, e.ArticleID)
	}
	if len(articleIDs) == 0 {
		return m, nil
	}
	seen, err := s.store.ArticlesByIDs(ctx, s.visibility(ctx), uniqueIDs(articleIDs))
	if err != nil {
		return nil, err
	}
	list := make([]*models.LiveEntry, 0, len(m))
	for id, e := range m {
		if seen[e.ArticleID] == nil {
			delete(m, id)
		} else {
			list = append(list, e)
		}
	}
	return m, s.FillLiveAuthors(ctx, list)
}

// LiveEntriesForEvents loads entries in whatever state with their
// bylines, for live updates: two queries per event (or replayed batch),
// however many subscribers there are.
func (s *Service) LiveEntriesForEvents(ctx context.Context, ids []uint64) (map[uint64]*models.LiveEntry, error) {
	m, err := s.store.LiveEntriesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	list := make([]*models.LiveEntry, 0, len(m))
	for _, e := range m {
		list = append(list, e)
	}
	return m, s.FillLiveAuthors(ctx, list)
}

// FillLiveAuthors loads the bylines of entries in one query.
func (s *Service) FillLiveAuthors(ctx context.Context, entries []*models.LiveEntry) error {
	var authorIDs []uint64
	for _, e := range entries {
		authorIDs = append(authorIDs, e.Authors()...)
	}
	authors := map[uint64]*models.Author{}
	if len(authorIDs) > 0 {
		var err error
		if authors, err = s.store.AuthorsByIDs(ctx, uniqueIDs(authorIDs)); err != nil {
			return err
		}
	}
	for _, e := range entries {
		e.AuthorList = []*models.Author{}
		for _, id := range e.Authors() {
			if a := authors[id]; a != nil {
				e.AuthorList = append(e.AuthorList, a)
			}
		}
	}
	return nil
}

// ReaderVisibleArticle reports whether readers may see an article now (one
// query per live-blog event, for all reader subscribers at once).
func (s *Service) ReaderVisibleArticle(ctx context.Context, id uint64) (bool, error) {
	a, err := s.store.ArticleByID(ctx, store.Readers(s.Now()), id)
	return a != nil, err
}

// EntryBlocks returns an entry's body as the blocks stored on save. Image
// blocks name their library row (entries saved before migration 00026
// stored none, and would show no picture).
func (s *Service) EntryBlocks(e *models.LiveEntry) ([]markdown.Block, error) {
	if e.BodyBlocks == "" {
		blocks := s.md.Blocks(e.Body)
		resolveImages(blocks)
		return blocks, nil
	}
	blocks, err := markdown.DecodeBlocks(e.BodyBlocks)
	if err != nil {
		return nil, fmt.Errorf("live entry %d: %w", e.ID, err)
	}
	if !e.ImagesRecorded {
		resolveImages(blocks)
	}
	return blocks, nil
}

// LiveEntryHistory returns an entry's earlier texts (editors).
func (s *Service) LiveEntryHistory(ctx context.Context, id uint64) ([]*models.LiveEntryVersion, error) {
	if !auth.ViewerFrom(ctx).SeesDrafts() {
		return []*models.LiveEntryVersion{}, nil
	}
	return s.store.LiveEntryHistory(ctx, id)
}

// LiveBlogChanges returns up to limit changes of a live blog after the
// outbox sequence number after, in order: what a reconnecting subscriber
// missed.
func (s *Service) LiveBlogChanges(ctx context.Context, articleID, after uint64, limit int) ([]events.Event, error) {
	rows, err := s.store.LiveBlogEvents(ctx, articleID, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]events.Event, 0, len(rows))
	for _, r := range rows {
		ev, err := events.FromRow(r)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// LiveBlogArticleBySlug returns the article a live blog's address names
// (its feeds' paths carry a slug but no locale) if the viewer may see it:
// with locale, that locale's article (an unknown locale is BAD_USER_INPUT
// on arg); without, the default locale's, else one in another locale,
// since slugs are unique per locale only.
func (s *Service) LiveBlogArticleBySlug(ctx context.Context, arg, locale, slug string) (*models.Article, error) {
	if locale != "" {
		loc, err := s.locales.Check(arg, locale)
		if err != nil {
			return nil, err
		}
		return s.ArticleBySlugIn(ctx, loc, slug)
	}
	return s.store.ArticleBySlugAnyLocale(ctx, s.visibility(ctx), slug, s.locales.Default())
}

// ArticlePageURL returns the absolute public URL of the article's page,
// loading its section.
func (s *Service) ArticlePageURL(ctx context.Context, a *models.Article) (string, error) {
	u, _, err := s.articlePath(ctx, s.store, a)
	return u, err
}
