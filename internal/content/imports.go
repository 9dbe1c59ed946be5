package content

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/models"
)

// Audited import actions and the summary event of a bulk import.
const (
	ActionImport = "article.import"
	// EventImportCompleted is the one event a bulk import emits, instead
	// of one article event per article (which would flood subscribers and
	// webhooks): its payload's ChangedFields hold the counts.
	EventImportCompleted = "import.completed"
	// ObjectImport is the object type of the summary event.
	ObjectImport = "Import"
)

// Results of importing one item.
const (
	ImportCreated   = "imported"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
	ImportSkipped   = "skipped"
)

// ImportAuthor is a byline as an archive names it; it is matched to an
// existing author by slug, or created.
type ImportAuthor struct {
	Name string
	Slug string // made from Name when empty
}

// ImportItem is one article of an archive (WordPress, Ghost, Markdown).
type ImportItem struct {
	// Source and ExternalID key the item (e.g. wordpress + its guid): a
	// second import of the same item updates the article it became.
	Source, ExternalID string
	Title, Slug        string // Slug made from Title when empty; made unique
	Standfirst, Body   string // Body is Markdown, rendered and sanitised as on any save
	Section            string // section name ("" for none); created when missing
	Tags               []string
	Authors            []ImportAuthor
	Cover              models.CoverImage
	Status             models.ArticleStatus
	PublishedAt        *time.Time
	// CreatedAt and UpdatedAt keep the archive's own dates (zero: now).
	CreatedAt, UpdatedAt time.Time
	// Locale is the article's language (configured; "" for the default).
	Locale string
	// OldPaths are the item's addresses on the old site (a path, with a
	// query for /?p=123): each gets a 301 redirect to the new address,
	// unless the item is a draft (readers never had its address).
	OldPaths []string
}

// ImportOutcome tells what became of one item.
type ImportOutcome struct {
	ArticleID uint64
	Result    string // ImportCreated, ImportUpdated, ImportUnchanged or ImportSkipped
	Reason    string // why it was skipped
	Path      string // the article's new path
	Redirects int    // redirects created from old paths
	Notes     []string
}

// errDryRun rolls back a dry run's batch once its outcomes are known.
var errDryRun = errors.New("dry run")

// ImportStorage remembers which article each imported item became.
type ImportStorage interface {
	ImportedArticle(ctx context.Context, source, externalID string) (uint64, error)
	RecordImport(ctx context.Context, source, externalID string, id uint64, at time.Time) error
}

type bulkKey struct{}

// importCache keeps, for one batch (one transaction: a rolled-back dry
// run forgets them with it), the authors and sections already found or
// created, so each is read once per batch rather than once per article.
type importCache struct {
	authors  map[string]uint64 // slug → id
	sections map[string]uint64 // slug → id
	slugOf   map[uint64]string // section id → slug
}

// isBulk reports whether ctx is a bulk load's (an import, the demo
// content): related suggestions are then rebuilt once at the end
// (RebuildRelated) instead of per article.
func isBulk(ctx context.Context) bool { return ctx.Value(bulkKey{}) != nil }

// DeferRelated marks ctx as a bulk load's: the articles saved under it do
// not refresh related suggestions, since each would see only the articles
// saved before it; the caller runs RebuildRelated once when done.
func DeferRelated(ctx context.Context) context.Context {
	return context.WithValue(ctx, bulkKey{}, true)
}

// ImportBatch imports items in one transaction, by the rules of any save
// (validation, slugs, Markdown sanitising, revisions; one audit entry for
// the batch). An item that cannot be imported is skipped with a reason; an
// error is returned only when the batch could not be written at all, and
// then nothing of it was. With dryRun everything is checked and then
// rolled back. No per-article events are written: see ImportCompleted.
func (s *Service) ImportBatch(ctx context.Context, items []ImportItem, dryRun bool) ([]ImportOutcome, error) {
	ctx = DeferRelated(ctx)
	var out []ImportOutcome
	err := s.change(ctx, ActionImport, "Article", 0, func(tx TxStorage) (uint64, error) {
		out = make([]ImportOutcome, 0, len(items))
		cache := &importCache{authors: map[string]uint64{}, sections: map[string]uint64{}, slugOf: map[uint64]string{}}
		for i := range items {
			o, err := s.importItem(ctx, tx, cache, &items[i])
			if err != nil {
				return 0, fmt.Errorf("import %s item %q: %w", items[i].Source, items[i].ExternalID, err)
			}
			out = append(out, o)
		}
		if dryRun {
			return 0, errDryRun
		}
		return 0, nil
	})
	if errors.Is(err, errDryRun) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// importItem writes one item inside tx; a user error becomes a skip.
func (s *Service) importItem(ctx context.Context, tx TxStorage, cache *importCache, it *ImportItem) (ImportOutcome, error) {
	skip := func(format string, args ...any) (ImportOutcome, error) {
		return ImportOutcome{Result: ImportSkipped, Reason: fmt.Sprintf(format, args...)}, nil
	}
	id, err := tx.ImportedArticle(ctx, it.Source, it.ExternalID)
	if err != nil {
		return ImportOutcome{}, err
	}
	var a *models.Article
	if id != 0 {
		if a, err = tx.LockArticle(ctx, id); err != nil {
			return ImportOutcome{}, err
		}
		if a != nil && a.DeletedAt != nil {
			return skip("article %d was deleted in Broadsheet since an earlier import: left deleted", id)
		}
	}
	snap := Snapshot{
		Title: strings.TrimSpace(it.Title), Subtitle: strings.TrimSpace(it.Standfirst), Body: it.Body,
		Status: it.Status, PublishedAt: it.PublishedAt, Tags: dedupeTags(it.Tags), Cover: it.Cover,
	}
	if snap.Status == models.StatusPublished && snap.PublishedAt == nil {
		now := s.Now()
		snap.PublishedAt = &now
	}
	loc := s.locales.Default()
	if it.Locale != "" {
		if loc, err = s.locales.Check("locale", it.Locale); err != nil {
			return ImportOutcome{}, err // checked by the caller: not one item's problem
		}
	}
	if a != nil {
		loc = a.Locale // an imported article keeps the language it has
	}
	snap.Slug = models.SlugifyLang(it.Slug, locale.Base(loc))
	if snap.Slug == "" {
		snap.Slug = models.SlugifyLang(snap.Title, locale.Base(loc))
	}
	if len(it.Authors) > MaxAuthors {
		it.Authors = it.Authors[:MaxAuthors]
	}
	snap.AuthorIDs = make([]uint64, len(it.Authors)) // counted by validation; filled below
	if errs := validateSnapshot(&snap, true); len(errs) > 0 {
		return skip("%s", errs.Error())
	}
	// The body's own rules (directives, links to articles, pictures), as
	// on any save; it is rendered here once for the save below.
	if errs := s.checkBody(ctx, tx, &snap); hasInternal(errs) {
		return ImportOutcome{}, errs
	} else if len(errs) > 0 {
		return skip("%s", errs.Error())
	}
	if snap.AuthorIDs, err = s.importAuthors(ctx, tx, cache, it.Authors); err != nil {
		return ImportOutcome{}, err
	}
	if snap.CategoryID, err = s.importSection(ctx, tx, cache, it.Section); err != nil {
		return ImportOutcome{}, err
	}
	except := uint64(0)
	if a != nil {
		except = a.ID
	}
	if snap.Slug, err = freeSlug(ctx, tx, loc, snap.Slug, except); err != nil {
		return ImportOutcome{}, err
	}
	o := ImportOutcome{Result: ImportCreated}
	if a == nil {
		// The archive's own dates, written with the article.
		a = &models.Article{Locale: loc, CreatedAt: it.CreatedAt.UTC(), UpdatedAt: it.UpdatedAt.UTC()}
		if a.UpdatedAt.Before(a.CreatedAt) {
			a.UpdatedAt = a.CreatedAt
		}
		if _, err := s.save(ctx, tx, a, snap, ActionImport, []string{"created"}); err != nil {
			return ImportOutcome{}, slugConflict(err, snap.Slug)
		}
	} else {
		before, err := snapshotOf(ctx, tx, a)
		if err != nil {
			return ImportOutcome{}, err
		}
		if before.Slug != snap.Slug && models.Slugify(it.Slug) == "" {
			snap.Slug = before.Slug // a slug made from an edited headline stays
		}
		changed := changedFields(before, snap)
		o.Result = ImportUnchanged
		if len(changed) > 0 {
			o.Result = ImportUpdated
			if ok, err := s.save(ctx, tx, a, snap, ActionImport, changed); err != nil {
				return ImportOutcome{}, slugConflict(err, snap.Slug)
			} else if !ok {
				return ImportOutcome{}, fmt.Errorf("article %d changed while it was imported", a.ID)
			}
		}
	}
	o.ArticleID = a.ID
	if err := tx.RecordImport(ctx, it.Source, it.ExternalID, a.ID, s.Now()); err != nil {
		return ImportOutcome{}, err
	}
	if a.CategoryID != nil && cache.slugOf[*a.CategoryID] == "" {
		if _, o.Path, err = s.articlePath(ctx, tx, a); err != nil {
			return ImportOutcome{}, err
		}
	} else if a.CategoryID != nil {
		_, o.Path = s.ArticleURL(a, cache.slugOf[*a.CategoryID])
	} else {
		_, o.Path = s.ArticleURL(a, "")
	}
	oldPaths := it.OldPaths
	if snap.Status == models.StatusDraft {
		oldPaths = nil // readers never had a draft's address
	}
	direct := false // the new path is an end: no redirect leads on from it
	if len(oldPaths) > 0 {
		next, err := tx.RedirectFrom(ctx, o.Path)
		if err != nil {
			return ImportOutcome{}, err
		}
		direct = next == nil
	}
	for _, old := range oldPaths {
		made, note, err := s.importRedirect(ctx, tx, old, o.Path, direct)
		if err != nil {
			return ImportOutcome{}, err
		}
		if made {
			o.Redirects++
		}
		if note != "" {
			o.Notes = append(o.Notes, note)
		}
	}
	return o, nil
}

// importRedirect sends the old path to the article's new one (301) by the
// rules of CreateRedirect, unless they are the same or the old path is
// redirected already. A query is kept (/?p=123); a rule's refusal (a
// loop) is a note, not a failure.
func (s *Service) importRedirect(ctx context.Context, tx TxStorage, old, to string, direct bool) (bool, string, error) {
	src, ok := s.pub.Links.CleanQuery(strings.TrimSpace(old))
	if !ok || len(src) > MaxRedirectPathLen {
		return false, fmt.Sprintf("old address %q is not a path on the site: no redirect", apperr.Clip(old, 80)), nil
	}
	if src == to || src == "/" {
		return false, "", nil
	}
	if existing, err := tx.RedirectFrom(ctx, src); err != nil || existing != nil {
		return false, "", err
	}
	r := &models.Redirect{FromPath: src, Location: to, StatusCode: 301, CreatedBy: actor(ctx)}
	if direct {
		// to is the article's current address and nothing redirects from
		// it: addRedirect's walk would end where it starts. Redirects to
		// src are still pointed on, so no chain is stored.
		if err := tx.RetargetRedirects(ctx, src, to); err != nil {
			return false, "", err
		}
		r.CreatedAt = s.Now()
		return true, "", tx.CreateRedirect(ctx, r)
	}
	if err := s.addRedirect(ctx, tx, r); err != nil {
		if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
			return false, fmt.Sprintf("no redirect from %s: %s", src, e.Message), nil
		}
		return false, "", err
	}
	return true, "", nil
}

// importAuthors finds each byline's author by slug, creating the missing.
func (s *Service) importAuthors(ctx context.Context, tx TxStorage, cache *importCache, authors []ImportAuthor) ([]uint64, error) {
	var ids []uint64
	for _, in := range authors {
		name := strings.Join(strings.Fields(in.Name), " ")
		slug := models.Slugify(in.Slug)
		if slug == "" {
			slug = models.Slugify(name)
		}
		if slug == "" || name == "" {
			continue
		}
		if id, ok := cache.authors[slug]; ok {
			ids = append(ids, id)
			continue
		}
		a, err := tx.AuthorBySlug(ctx, slug)
		if err != nil {
			return nil, err
		}
		if a == nil {
			a = &models.Author{Slug: slug, Name: name, CreatedAt: s.Now(), UpdatedAt: s.Now()}
			if errs := validateAuthor(a); len(errs) > 0 {
				continue // an unusable byline is dropped, the article kept
			}
			if err := tx.CreateAuthor(ctx, a); err != nil {
				return nil, fmt.Errorf("create author %q: %w", slug, err)
			}
		}
		cache.authors[slug] = a.ID
		ids = append(ids, a.ID)
	}
	return ids, nil
}

// importSection finds the section by the slug of its name, creating it.
func (s *Service) importSection(ctx context.Context, tx TxStorage, cache *importCache, name string) (*uint64, error) {
	name = strings.Join(strings.Fields(name), " ")
	slug := models.Slugify(name)
	if slug == "" {
		return nil, nil
	}
	if id, ok := cache.sections[slug]; ok {
		return &id, nil
	}
	c, err := tx.CategoryBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if c == nil {
		c = &models.Category{Slug: slug, Name: name, CreatedAt: s.Now(), UpdatedAt: s.Now()}
		if errs := validateCategory(c); len(errs) > 0 {
			return nil, nil
		}
		if err := tx.CreateCategory(ctx, c); err != nil {
			return nil, fmt.Errorf("create section %q: %w", slug, err)
		}
	}
	cache.sections[slug], cache.slugOf[c.ID] = c.ID, c.Slug
	return &c.ID, nil
}

// ImportCompleted writes the one summary event of a bulk import (counts
// by result, e.g. "imported=120"), so subscribers and webhooks learn of it
// once; it is audited like any change.
func (s *Service) ImportCompleted(ctx context.Context, source string, counts map[string]int) error {
	var fields []string
	for _, k := range []string{ImportCreated, ImportUpdated, ImportUnchanged, ImportSkipped, "redirects"} {
		fields = append(fields, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	return s.change(ctx, ActionImport+".completed", ObjectImport, 0, func(tx TxStorage) (uint64, error) {
		return 0, s.recordEvent(ctx, tx, EventImportCompleted, ObjectImport, 0,
			events.Payload{Action: ActionImport + " " + source, ChangedFields: fields})
	})
}
