package content

import (
	"context"
	"fmt"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// ArticleQuery is what an article list asks for.
type ArticleQuery struct {
	Category string
	Tags     []string
	Author   string
	Statuses []models.ArticleStatus
	// ReviewStates narrows to articles in these review states (editors).
	ReviewStates    []models.ReviewState
	PublishedAfter  *time.Time
	PublishedBefore *time.Time
	OrderBy         models.ArticleSort
	Ascending       bool
	// Teasers leaves out the bodies (Markdown and HTML), for pages that do
	// not show them: they are most of an article row's bytes.
	Teasers bool
	// Cards reads only the columns of CardFields, for pages whose
	// selection asks nothing else of their articles (implies Teasers).
	Cards bool
	// Total reads the count of the whole list with the page: for a client
	// that asks for totalCount, it saves the lazy COUNT's round trip.
	Total bool
	// Set by nested lists (an author's, a category's, a tag's articles).
	AuthorID, CategoryID, TagID uint64
	// Locale keeps the list to one configured locale (checked by the
	// caller with Locales().Check); empty means every locale.
	Locale string
}

// ListArticles returns a page of the articles q selects that the viewer
// may see, with a total counted only when asked for.
func (s *Service) ListArticles(ctx context.Context, q ArticleQuery, args page.Args) (*page.List[*models.Article], error) {
	f, err := s.articleFilter(ctx, q)
	if err != nil {
		return nil, err
	}
	p, err := args.Request(!q.Ascending)
	if err != nil {
		return nil, err
	}
	p.Total = q.Total
	count := func(ctx context.Context) (int64, error) { return s.store.CountArticles(ctx, f) }
	return page.Load(teasers(ctx, q), p, count, func(ctx context.Context, p page.Request) (*page.List[*models.Article], error) {
		return s.store.ListArticles(ctx, f, q.OrderBy, p)
	})
}

// SectionFront returns the section with slug and the page of its articles
// q and args ask for, read together: one statement where the page has
// rows, instead of the section's own and then the page's. The list is nil
// when args name no page (a bad cursor, say): the caller then lists the
// articles itself, which reports why. Nil and nil: no such section.
func (s *Service) SectionFront(ctx context.Context, slug string, q ArticleQuery, args page.Args) (*models.Category, *page.List[*models.Article], error) {
	return withPage(ctx, s, q, args,
		func(ctx context.Context) (*models.Category, error) { return s.store.CategoryBySlug(ctx, slug) },
		func(ctx context.Context, f store.ArticleFilter, p page.Request) (*models.Category, *page.List[*models.Article], error) {
			return s.store.SectionFront(ctx, slug, f, q.OrderBy, p)
		},
		func(c *models.Category, f *store.ArticleFilter) { f.CategoryID, f.CategorySlug = c.ID, "" })
}

// AuthorPage returns the author with slug and the page of their articles
// q and args ask for, read together as SectionFront reads a section's
// (one statement for a reader's page).
func (s *Service) AuthorPage(ctx context.Context, slug string, q ArticleQuery, args page.Args) (*models.Author, *page.List[*models.Article], error) {
	return withPage(ctx, s, q, args,
		func(ctx context.Context) (*models.Author, error) { return s.store.AuthorBySlug(ctx, slug) },
		func(ctx context.Context, f store.ArticleFilter, p page.Request) (*models.Author, *page.List[*models.Article], error) {
			return s.store.AuthorPage(ctx, slug, f, q.OrderBy, p)
		},
		func(a *models.Author, f *store.ArticleFilter) { f.AuthorID, f.AuthorSlug = a.ID, "" })
}

// TagPage returns the tag with slug and the page of its articles q and
// args ask for, read together as SectionFront reads a section's (one
// statement where the page has rows).
func (s *Service) TagPage(ctx context.Context, slug string, q ArticleQuery, args page.Args) (*models.Tag, *page.List[*models.Article], error) {
	return withPage(ctx, s, q, args,
		func(ctx context.Context) (*models.Tag, error) { return s.TagBySlug(ctx, slug) },
		func(ctx context.Context, f store.ArticleFilter, p page.Request) (*models.Tag, *page.List[*models.Article], error) {
			return s.store.TagPage(ctx, slug, f, q.OrderBy, p)
		},
		func(t *models.Tag, f *store.ArticleFilter) { f.TagID, f.TagSlugs = t.ID, nil })
}

// withPage reads an owner (a section, an author) with the page of its
// articles q and args ask for (together), or alone where args name no page
// or q is refused: then the list is nil, for the field listing the
// articles to read, or report, itself. own narrows a filter to the owner's
// articles, for a total counted apart.
func withPage[T comparable](ctx context.Context, s *Service, q ArticleQuery, args page.Args,
	alone func(context.Context) (T, error),
	together func(context.Context, store.ArticleFilter, page.Request) (T, *page.List[*models.Article], error),
	own func(T, *store.ArticleFilter),
) (T, *page.List[*models.Article], error) {
	var none T
	f, err := s.articleFilter(ctx, q)
	if err != nil {
		owner, err := alone(ctx)
		return owner, nil, err
	}
	p, err := args.Request(!q.Ascending)
	if err != nil || p.Empty() {
		owner, err := alone(ctx)
		return owner, nil, err
	}
	p.Total = q.Total
	owner, l, err := together(teasers(ctx, q), f, p)
	if err != nil || owner == none {
		return none, nil, err
	}
	if l.Count == nil {
		own(owner, &f)
		l.Count = func(ctx context.Context) (int64, error) { return s.store.CountArticles(ctx, f) }
	}
	return owner, l, nil
}

// Teasers returns ctx in which lists of articles leave out their bodies
// (body, bodyHtml, blocks): for a selection that asks for none of them.
func Teasers(ctx context.Context) context.Context { return store.WithoutBodies(ctx) }

// WithoutMarkdown returns ctx in which an article is read without its
// Markdown source: for a selection that shows its HTML, not its body or
// blocks (whose fallback, for a body stored before blocks, is the source).
func WithoutMarkdown(ctx context.Context) context.Context { return store.WithoutMarkdown(ctx) }

// teasers returns the context a list of q is read in.
func teasers(ctx context.Context, q ArticleQuery) context.Context {
	switch {
	case q.Cards:
		return store.WithCardColumns(ctx)
	case q.Teasers:
		return store.WithoutBodies(ctx)
	}
	return ctx
}

// CardFields are the fields of the API's Article that show nothing but
// the columns a list reads under ArticleQuery.Cards (store.CardColumns),
// by name; a selection of articles that asks only for these can have them
// read as cards. authors, category and tags are loaded by the article's
// id and section; url and path are made of the slug, id, section, locale
// and publication time (TestCardsAnswerAsArticles checks each of them
// against its answer on the page read whole).
var CardFields = []string{"__typename", "id", "slug", "title", "subtitle", "excerpt", "status", "publishedAt",
	"createdAt", "updatedAt", "expiresAt", "readingTimeMinutes", "wordCount", "version", "locale",
	"authors", "category", "tags", "url", "path"}

// needEditor refuses what only editors may do, as @hasRole does: with no
// token UNAUTHENTICATED (send one), with a token of too low a role FORBIDDEN
// (another token is needed, not a retry).
func needEditor(ctx context.Context, what string) error {
	v := auth.ViewerFrom(ctx)
	switch {
	case v.SeesDrafts():
		return nil
	case v.TokenName == "":
		return apperr.New(apperr.Unauthenticated, "%s needs an API token with the %s role: send Authorization: Bearer TOKEN", what, auth.Editor)
	default:
		return apperr.New(apperr.Forbidden, "%s needs the %s role; your token %q is %s", what, auth.Editor, v.TokenName, v.Role)
	}
}

func (s *Service) articleFilter(ctx context.Context, q ArticleQuery) (store.ArticleFilter, error) {
	if len(q.ReviewStates) > 0 {
		if err := needEditor(ctx, "filtering by review state"); err != nil {
			return store.ArticleFilter{}, err
		}
	}
	for _, st := range q.Statuses {
		if st != models.StatusPublished {
			if err := needEditor(ctx, fmt.Sprintf("listing %s articles", st)); err != nil {
				return store.ArticleFilter{}, err
			}
		}
	}
	return store.ArticleFilter{
		Visibility:      s.visibility(ctx),
		CategorySlug:    q.Category,
		CategoryID:      q.CategoryID,
		TagSlugs:        q.Tags,
		TagID:           q.TagID,
		AuthorSlug:      q.Author,
		AuthorID:        q.AuthorID,
		Statuses:        q.Statuses,
		ReviewStates:    q.ReviewStates,
		PublishedAfter:  q.PublishedAfter,
		PublishedBefore: q.PublishedBefore,
		Locale:          q.Locale,
	}, nil
}

// ArticleByID returns the article with id if the viewer may see it, else nil.
func (s *Service) ArticleByID(ctx context.Context, id uint64) (*models.Article, error) {
	return s.store.ArticleByID(ctx, s.visibility(ctx), id)
}

// ArticleBySlug returns the article with slug in the default locale if
// the viewer may see it, else nil.
func (s *Service) ArticleBySlug(ctx context.Context, slug string) (*models.Article, error) {
	return s.ArticleBySlugIn(ctx, "", slug)
}

// ArticleBySlugIn returns the article with slug in locale (the default
// locale when empty) if the viewer may see it, else nil.
func (s *Service) ArticleBySlugIn(ctx context.Context, locale, slug string) (*models.Article, error) {
	if locale == "" {
		locale = s.locales.Default()
	}
	return s.store.ArticleBySlug(ctx, s.visibility(ctx), locale, slug)
}

// ArticlesByIDs returns the articles among ids the viewer may see, in the
// order of ids (nil where one is missing or hidden); for loaders.
func (s *Service) ArticlesByIDs(ctx context.Context, ids []uint64) ([]*models.Article, error) {
	byID, err := s.store.ArticlesByIDs(ctx, s.visibility(ctx), ids)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Article, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// AuthorsOfArticles returns each article's byline, in the order of ids.
func (s *Service) AuthorsOfArticles(ctx context.Context, ids []uint64) ([][]*models.Author, error) {
	m, err := s.store.AuthorsByArticleIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]*models.Author, len(ids))
	for i, id := range ids {
		out[i] = m[id]
		if out[i] == nil {
			out[i] = []*models.Author{}
		}
	}
	return out, nil
}

// TagsOfArticles returns each article's tags, in the order of ids.
func (s *Service) TagsOfArticles(ctx context.Context, ids []uint64) ([][]*models.Tag, error) {
	m, err := s.store.TagsByArticleIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]*models.Tag, len(ids))
	for i, id := range ids {
		out[i] = m[id]
		if out[i] == nil {
			out[i] = []*models.Tag{}
		}
	}
	return out, nil
}

// PageRelations are the bylines, tags and sections of a page of articles.
type PageRelations struct {
	Authors    [][]*models.Author // in the order of the articles; nil when not asked for
	Tags       [][]*models.Tag    // in the order of the articles; nil when not asked for
	Categories []*models.Category // in the order of categoryIDs (nil where missing)
}

// RelationsOfArticles returns what AuthorsOfArticles and TagsOfArticles
// return for ids (each when asked for) and CategoriesByIDs for
// categoryIDs, from one statement; the sections come without their
// timestamps.
func (s *Service) RelationsOfArticles(ctx context.Context, ids []uint64, authors, tags bool, categoryIDs []uint64) (*PageRelations, error) {
	r, err := s.store.RelationsOfArticles(ctx, ids, authors, tags, categoryIDs)
	if err != nil {
		return nil, err
	}
	out := &PageRelations{}
	if authors {
		out.Authors = make([][]*models.Author, len(ids))
		for i, id := range ids {
			if out.Authors[i] = r.Authors[id]; out.Authors[i] == nil {
				out.Authors[i] = []*models.Author{}
			}
		}
	}
	if tags {
		out.Tags = make([][]*models.Tag, len(ids))
		for i, id := range ids {
			if out.Tags[i] = r.Tags[id]; out.Tags[i] == nil {
				out.Tags[i] = []*models.Tag{}
			}
		}
	}
	out.Categories = make([]*models.Category, len(categoryIDs))
	for i, id := range categoryIDs {
		out.Categories[i] = r.Categories[id]
	}
	return out, nil
}

// CategoriesByIDs returns categories in the order of ids (nil where missing).
func (s *Service) CategoriesByIDs(ctx context.Context, ids []uint64) ([]*models.Category, error) {
	m, err := s.store.CategoriesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Category, len(ids))
	for i, id := range ids {
		out[i] = m[id]
	}
	return out, nil
}

// errNeedIDOrSlug is returned by lookups given neither key.
func errNeedIDOrSlug(what string) error {
	return apperr.Invalidf("id", "%s: pass id or slug", what)
}

// LookupArticle finds an article by global id or slug (exactly one of
// them); a slug is looked up in the default locale.
func (s *Service) LookupArticle(ctx context.Context, id uint64, slug string) (*models.Article, error) {
	return s.LookupArticleIn(ctx, id, slug, "")
}

// LookupArticleIn is LookupArticle with a slug looked up in locale (the
// default locale when empty).
func (s *Service) LookupArticleIn(ctx context.Context, id uint64, slug, locale string) (*models.Article, error) {
	switch {
	case id != 0 && slug != "":
		return nil, apperr.Invalidf("id", "article: pass id or slug, not both")
	case id != 0:
		return s.ArticleByID(ctx, id)
	case slug != "":
		if locale == "" {
			locale = s.locales.Default()
		}
		// An earlier slug finds the article too: old links keep working.
		return s.articleAt(ctx, s.store, s.visibility(ctx), permalink.Fields{Slug: slug, Locale: locale})
	default:
		return nil, errNeedIDOrSlug("article")
	}
}

// LookupAuthor finds an author by id or slug (exactly one of them).
func (s *Service) LookupAuthor(ctx context.Context, id uint64, slug string) (*models.Author, error) {
	switch {
	case id != 0 && slug != "":
		return nil, apperr.Invalidf("id", "author: pass id or slug, not both")
	case id != 0:
		return s.store.AuthorByID(ctx, id)
	case slug != "":
		return s.store.AuthorBySlug(ctx, slug)
	default:
		return nil, errNeedIDOrSlug("author")
	}
}

// ListAuthors returns a page of authors by name.
func (s *Service) ListAuthors(ctx context.Context, args page.Args) (*page.List[*models.Author], error) {
	p, err := args.Request(false)
	if err != nil {
		return nil, err
	}
	return page.Load(ctx, p, s.store.CountAuthors, s.store.ListAuthors)
}

// ListTags returns a page of tags by name; with a locale, only the tags of
// articles in it, named in it.
func (s *Service) ListTags(ctx context.Context, locale string, args page.Args) (*page.List[*models.Tag], error) {
	p, err := args.Request(false)
	if err != nil {
		return nil, err
	}
	v := s.visibility(ctx)
	return page.Load(ctx, p, func(ctx context.Context) (int64, error) { return s.store.CountTags(ctx, v, locale) },
		func(ctx context.Context, p page.Request) (*page.List[*models.Tag], error) {
			l, err := s.store.ListTags(ctx, v, locale, p)
			if err != nil {
				return nil, err
			}
			l.Items, err = s.LocalizeTags(ctx, locale, l.Items)
			return l, err
		})
}

// Categories returns every section in menu order.
func (s *Service) Categories(ctx context.Context) ([]*models.Category, error) {
	return s.store.ListCategories(ctx)
}

// CategoryBySlug returns a section, or nil.
func (s *Service) CategoryBySlug(ctx context.Context, slug string) (*models.Category, error) {
	return s.store.CategoryBySlug(ctx, slug)
}

// TagBySlug returns a tag, or nil.
func (s *Service) TagBySlug(ctx context.Context, slug string) (*models.Tag, error) {
	return s.store.TagBySlug(ctx, s.visibility(ctx), slug)
}

// Node fetches any object by type and row id, applying the same visibility
// as the typed lookups.
func (s *Service) Node(ctx context.Context, typ string, id uint64) (any, error) {
	var (
		v   any
		err error
	)
	switch typ {
	case "Article":
		a, e := s.ArticleByID(ctx, id)
		v, err = nilIfNil(a), e
	case "Author":
		a, e := s.store.AuthorByID(ctx, id)
		v, err = nilIfNil(a), e
	case "Category":
		c, e := s.store.CategoryByID(ctx, id)
		v, err = nilIfNil(c), e
	case "Tag":
		t, e := s.store.TagByID(ctx, s.visibility(ctx), id)
		v, err = nilIfNil(t), e
	case "LiveEntry":
		e, er := s.LiveEntryByID(ctx, id)
		v, err = nilIfNil(e), er
	default:
		return nil, apperr.Invalidf("id", "unknown object type %q", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s %d: %w", typ, id, err)
	}
	return v, nil
}

// MaxNodes is how many ids one nodes(ids:) may ask for.
const MaxNodes = 100

// NodeRef names an object by type and row id (a parsed global id).
type NodeRef struct {
	Type string
	ID   uint64
}

// Nodes fetches objects by type and row id with the visibility of Node, in
// the order of refs (nil where one is missing or hidden), in one statement
// per type.
func (s *Service) Nodes(ctx context.Context, refs []NodeRef) ([]any, error) {
	if len(refs) > MaxNodes {
		return nil, apperr.Invalidf("ids", "ids may name at most %d objects (got %d)", MaxNodes, len(refs))
	}
	byType := map[string][]uint64{}
	for i, r := range refs {
		switch r.Type {
		case "Article", "Author", "Category", "Tag", "LiveEntry":
		default:
			return nil, apperr.Invalidf(fmt.Sprintf("ids[%d]", i), "unknown object type %q", r.Type)
		}
		byType[r.Type] = append(byType[r.Type], r.ID)
	}
	found := map[NodeRef]any{}
	for typ, ids := range byType {
		var err error
		switch typ {
		case "Article":
			err = collect(found, typ, func() (map[uint64]*models.Article, error) {
				return s.store.ArticlesByIDs(ctx, s.visibility(ctx), ids)
			})
		case "Author":
			err = collect(found, typ, func() (map[uint64]*models.Author, error) { return s.store.AuthorsByIDs(ctx, ids) })
		case "Category":
			err = collect(found, typ, func() (map[uint64]*models.Category, error) { return s.store.CategoriesByIDs(ctx, ids) })
		case "Tag":
			err = collect(found, typ, func() (map[uint64]*models.Tag, error) {
				return s.store.TagsByIDs(ctx, s.visibility(ctx), ids)
			})
		case "LiveEntry":
			err = collect(found, typ, func() (map[uint64]*models.LiveEntry, error) { return s.liveEntriesByIDs(ctx, ids) })
		}
		if err != nil {
			return nil, fmt.Errorf("load %d %s nodes: %w", len(ids), typ, err)
		}
	}
	out := make([]any, len(refs))
	for i, r := range refs {
		out[i] = found[r]
	}
	return out, nil
}

func collect[T any](found map[NodeRef]any, typ string, fetch func() (map[uint64]*T, error)) error {
	m, err := fetch()
	if err != nil {
		return err
	}
	for id, v := range m {
		found[NodeRef{typ, id}] = v
	}
	return nil
}

// nilIfNil turns a typed nil pointer into an untyped nil interface.
func nilIfNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return p
}
