// Package loaders batches the relation lookups of one GraphQL request: every
// article on a page asking for its authors costs one query, not one each.
// A fresh set of loaders is made per request, so cached rows never outlive
// the request or leak between viewers.
package loaders

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// Wait is how long a loader collects keys before fetching. gqlgen resolves
// a list's items concurrently, so their loads arrive within microseconds;
// lists the resolvers know up front are primed and do not wait at all.
const Wait = time.Millisecond

// Loaders are the per-request batch loaders. Each is made the first time
// a request asks for it, by its accessor (an article page uses one or two
// of twelve: making them all was some 6% of its allocations).
type Loaders struct {
	relationsOf           onDemand[RelationKey, *models.ArticleRelations]
	categoryByID          onDemand[uint64, *models.Category]
	accountByID           onDemand[uint64, *models.Account]
	relatedByArticle      onDemand[RelatedKey, []*models.Article]
	articleBySlug         onDemand[string, *models.Article]
	imageByID             onDemand[uint64, *models.Image]
	correctionsByArticle  onDemand[uint64, []*models.Correction]
	liveBlogByArticle     onDemand[uint64, *models.LiveBlog]
	pendingByArticle      onDemand[uint64, *models.PendingChange]
	translationsByArticle onDemand[GroupKey, []*models.Article]
	categoryIn            onDemand[LocaleKey, *models.Category]
	tagNameIn             onDemand[LocaleKey, string]
	svc                   *content.Service

	pagesMu sync.Mutex
	pages   map[PageKey]*page.List[*models.Article] // read ahead (pages.go)
}

// onDemand is a loader made on first use, by any of a request's goroutines.
type onDemand[K comparable, V any] struct {
	made   atomic.Pointer[dataloadgen.Loader[K, V]]
	making sync.Mutex
}

// get returns the loader, made from l with batch the first time.
// batch is a function of no captured state, so that asking costs nothing.
func (z *onDemand[K, V]) get(l *Loaders, batch func(*Loaders) func(context.Context, []K) ([]V, []error)) *dataloadgen.Loader[K, V] {
	if made := z.made.Load(); made != nil {
		return made
	}
	z.making.Lock()
	defer z.making.Unlock()
	if made := z.made.Load(); made != nil {
		return made
	}
	made := dataloadgen.NewLoader(batch(l), dataloadgen.WithWait(Wait))
	z.made.Store(made)
	return made
}

// RelationsOf loads the byline, section and tags of articles met one at a
// time (an edge's node, a read-also link) that no list primed.
func (l *Loaders) RelationsOf() *dataloadgen.Loader[RelationKey, *models.ArticleRelations] {
	return l.relationsOf.get(l, func(l *Loaders) func(context.Context, []RelationKey) ([]*models.ArticleRelations, []error) {
		return l.relationsBatch
	})
}

// CategoryByID loads sections by id.
func (l *Loaders) CategoryByID() *dataloadgen.Loader[uint64, *models.Category] {
	return l.categoryByID.get(l, func(l *Loaders) func(context.Context, []uint64) ([]*models.Category, []error) {
		return listOrNil(l.svc.CategoriesByIDs)
	})
}

// AccountByID names the people on audit entries, revisions and review
// notes: a page of them costs one query.
func (l *Loaders) AccountByID() *dataloadgen.Loader[uint64, *models.Account] {
	return l.accountByID.get(l, func(l *Loaders) func(context.Context, []uint64) ([]*models.Account, []error) {
		return listOrNil(l.svc.AccountsByIDs)
	})
}

// RelatedByArticle loads related(first: N) lists; keys with the same N are
// fetched together in one statement.
func (l *Loaders) RelatedByArticle() *dataloadgen.Loader[RelatedKey, []*models.Article] {
	return l.relatedByArticle.get(l, func(l *Loaders) func(context.Context, []RelatedKey) ([][]*models.Article, []error) {
		return relatedBatch(l.svc)
	})
}

// ArticleBySlug loads the targets of read-also links as the viewer may see
// them (nil when they may not): one statement for a whole page.
func (l *Loaders) ArticleBySlug() *dataloadgen.Loader[string, *models.Article] {
	return l.articleBySlug.get(l, func(l *Loaders) func(context.Context, []string) ([]*models.Article, []error) {
		return listOrNil(l.svc.ArticlesBySlugs)
	})
}

// ImageByID loads media-library images (covers, body pictures).
func (l *Loaders) ImageByID() *dataloadgen.Loader[uint64, *models.Image] {
	return l.imageByID.get(l, func(l *Loaders) func(context.Context, []uint64) ([]*models.Image, []error) {
		return listOrNil(l.svc.ImagesByIDs)
	})
}

// CorrectionsByArticle loads articles' corrections, oldest first.
func (l *Loaders) CorrectionsByArticle() *dataloadgen.Loader[uint64, []*models.Correction] {
	return l.correctionsByArticle.get(l, func(l *Loaders) func(context.Context, []uint64) ([][]*models.Correction, []error) {
		return listOrNil(l.svc.Corrections)
	})
}

// LiveBlogByArticle loads articles' live blogs (nil: not one), for their
// JSON-LD.
func (l *Loaders) LiveBlogByArticle() *dataloadgen.Loader[uint64, *models.LiveBlog] {
	return l.liveBlogByArticle.get(l, func(l *Loaders) func(context.Context, []uint64) ([]*models.LiveBlog, []error) {
		return listOrNil(l.svc.LiveBlogsOf)
	})
}

// PendingByArticle loads the changes staged on articles (editors only).
func (l *Loaders) PendingByArticle() *dataloadgen.Loader[uint64, *models.PendingChange] {
	return l.pendingByArticle.get(l, func(l *Loaders) func(context.Context, []uint64) ([]*models.PendingChange, []error) {
		return listOrNil(l.svc.PendingRows)
	})
}

// TranslationsByArticle loads articles' visible translations
// (translations.go).
func (l *Loaders) TranslationsByArticle() *dataloadgen.Loader[GroupKey, []*models.Article] {
	return l.translationsByArticle.get(l, func(l *Loaders) func(context.Context, []GroupKey) ([][]*models.Article, []error) {
		return translationsBatch(l.svc)
	})
}

// CategoryIn loads sections named in a locale (translations.go).
func (l *Loaders) CategoryIn() *dataloadgen.Loader[LocaleKey, *models.Category] {
	return l.categoryIn.get(l, func(l *Loaders) func(context.Context, []LocaleKey) ([]*models.Category, []error) {
		return categoryInBatch(l.svc)
	})
}

// TagNameIn loads tags' names in a locale (translations.go).
func (l *Loaders) TagNameIn() *dataloadgen.Loader[LocaleKey, string] {
	return l.tagNameIn.get(l, func(l *Loaders) func(context.Context, []LocaleKey) ([]string, []error) {
		return tagNameInBatch(l.svc)
	})
}

// RelatedKey asks for the first N related articles of article ID, with
// their bodies when the selection asks for one (body, bodyHtml, blocks):
// a list of teasers does not read five articles' bodies.
type RelatedKey struct {
	ID     uint64
	N      int
	Bodies bool
}

// New returns loaders backed by svc.
func New(svc *content.Service) *Loaders {
	return &Loaders{svc: svc}
}

// listOrNil adapts a batch function returning one value per key.
func listOrNil[K comparable, V any](fetch func(context.Context, []K) ([]V, error)) func(context.Context, []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		vals, err := fetch(ctx, keys)
		if err != nil {
			return nil, []error{err}
		}
		return vals, nil
	}
}

// relatedBatch loads the related lists of a batch of keys, one statement
// per distinct N and need of bodies (a page asking related(first: 3)
// everywhere: one).
func relatedBatch(svc *content.Service) func(context.Context, []RelatedKey) ([][]*models.Article, []error) {
	return func(ctx context.Context, keys []RelatedKey) ([][]*models.Article, []error) {
		type group struct {
			n      int
			bodies bool
		}
		byGroup := map[group][]uint64{}
		var groups []group
		for _, k := range keys {
			g := group{k.N, k.Bodies}
			if _, ok := byGroup[g]; !ok {
				groups = append(groups, g)
			}
			byGroup[g] = append(byGroup[g], k.ID)
		}
		lists := map[RelatedKey][]*models.Article{}
		for _, g := range groups {
			got, err := svc.RelatedOfArticles(teasersUnless(ctx, g.bodies), byGroup[g], g.n)
			if err != nil {
				return nil, []error{err}
			}
			for i, id := range byGroup[g] {
				lists[RelatedKey{id, g.n, g.bodies}] = got[i]
			}
		}
		out := make([][]*models.Article, len(keys))
		for i, k := range keys {
			out[i] = lists[k]
		}
		return out, nil
	}
}

// teasersUnless returns ctx, in which article lists leave out the bodies
// unless bodies is set.
func teasersUnless(ctx context.Context, bodies bool) context.Context {
	if bodies {
		return ctx
	}
	return content.Teasers(ctx)
}

// Relations says which relations of a page of articles a query asks for.
type Relations struct {
	Authors, Tags, Category bool
	// Related is the N of a related(first: N) selection; 0 for none.
	Related int
	// RelatedBodies: the related articles' selection asks for a body.
	RelatedBodies bool
	// RelatedWants are the relations the related articles ask for.
	RelatedWants *Relations
}

// PrimeArticles loads the requested relations of a known page of articles
// right away and sets them on the articles (bylines, tags and sections in
// one statement), and primes their related lists (another), so that those
// fields resolve in line without waiting for a batch to fill. The articles
// must be the caller's own (fresh from the store).
func (l *Loaders) PrimeArticles(ctx context.Context, articles []*models.Article, want Relations) error {
	if len(articles) == 0 {
		return nil
	}
	if err := l.LoadRelations(ctx, articles, want.Set()); err != nil {
		return err
	}
	if want.Related > 0 {
		ids := make([]uint64, len(articles))
		for i, a := range articles {
			ids[i] = a.ID
		}
		lists, err := l.svc.RelatedOfArticles(teasersUnless(ctx, want.RelatedBodies), ids, want.Related)
		if err != nil {
			return err
		}
		// By object, not id: the relations are set on each object.
		var related []*models.Article
		seen := map[*models.Article]bool{}
		for i, id := range ids {
			l.RelatedByArticle().Prime(RelatedKey{id, want.Related, want.RelatedBodies}, lists[i])
			if want.RelatedBodies { // whole articles serve an alias of teasers too
				l.RelatedByArticle().Prime(RelatedKey{id, want.Related, false}, lists[i])
			}
			for _, a := range lists[i] {
				if !seen[a] {
					seen[a] = true
					related = append(related, a)
				}
			}
		}
		if want.RelatedWants != nil {
			if err := l.PrimeArticles(ctx, related, *want.RelatedWants); err != nil {
				return err
			}
		}
	}
	return nil
}

type ctxKey struct{}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// lazy makes a request's loaders on first use: a request answered from the
// response cache, or refused, never pays for them.
type lazy struct {
	once sync.Once
	svc  *content.Service
	l    *Loaders
}

// WithLazy returns ctx whose loaders over svc are made when first asked for.
func WithLazy(ctx context.Context, svc *content.Service) context.Context {
	return context.WithValue(ctx, ctxKey{}, &lazy{svc: svc})
}

// From returns the request's loaders. It panics when the middleware that
// installs them is missing: that is a wiring bug, not a runtime condition.
func From(ctx context.Context) *Loaders {
	switch v := ctx.Value(ctxKey{}).(type) {
	case *Loaders:
		return v
	case *lazy:
		v.once.Do(func() { v.l = New(v.svc) })
		return v.l
	}
	panic("loaders: no loaders in context; wrap the handler with loaders middleware")
}
