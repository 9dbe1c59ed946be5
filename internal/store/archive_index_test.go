package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// ownerList reads every article of f in publication order (newest first
// or oldest first), a page of size at a time through the cursors, and the
// total.
func ownerList(t *testing.T, st *store.Store, f store.ArticleFilter, size int, desc bool) ([]uint64, int64) {
	t.Helper()
	ctx := context.Background()
	var ids []uint64
	p := page.Request{First: size, Desc: desc}
	for range 1000 {
		l, err := st.ListArticles(ctx, f, models.SortPublishedAt, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range l.Items {
			ids = append(ids, a.ID)
		}
		if !l.Info.HasNextPage {
			break
		}
		c := l.Cursors[len(l.Cursors)-1]
		p.After = &c
	}
	n, err := st.CountArticles(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return ids, n
}

// oldRule is f read the way every author and tag list was read before
// the archive indexes: a condition that changes nothing for readers
// (published before the end of time) keeps the list off the index.
func oldRule(f store.ArticleFilter) store.ArticleFilter {
	end := time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.PublishedBefore = &end
	return f
}

// An archiveCase is an owner of articles with an archive index: an
// author (author_articles) or a tag (tag_articles).
type archiveCase struct {
	name string
	// create makes the i-th owner.
	create func(ctx context.Context, st *store.Store, i int) (uint64, error)
	// filter is a reader's list of owner at v.
	filter func(v store.Visibility, owner uint64) store.ArticleFilter
	// variants are more filters of the i-th owner to compare (nil: none).
	variants func(v store.Visibility, i int, owner uint64) []store.ArticleFilter
	// place gives an article its owners before it is inserted (a
	// section, a column of the article's own); nil for owners by link.
	place func(a *models.Article, owners []uint64)
	// links links articles to owners (an article's first owner first).
	links func(byArticle map[uint64][]uint64) ([]models.ArticleAuthor, []models.ArticleTag)
	// relink replaces an article's owners (SetArticleLinks).
	relink func(ctx context.Context, st *store.Store, article uint64, owners []uint64) error
	// create an article with owners (CreateArticle).
	createWith func(ctx context.Context, st *store.Store, a *models.Article, owners []uint64) error
	drift      func(ctx context.Context, st *store.Store) ([]uint64, []uint64, error)
}

var archiveCases = []archiveCase{
	{
		name: "author",
		create: func(ctx context.Context, st *store.Store, i int) (uint64, error) {
			a := &models.Author{Slug: fmt.Sprintf("writer-%d", i), Name: "Writer", JobTitle: "Writer"}
			err := st.CreateAuthor(ctx, a)
			return a.ID, err
		},
		filter: func(v store.Visibility, owner uint64) store.ArticleFilter {
			return store.ArticleFilter{Visibility: v, AuthorID: owner}
		},
		links: func(byArticle map[uint64][]uint64) (out []models.ArticleAuthor, _ []models.ArticleTag) {
			for article, owners := range byArticle {
				for i, o := range owners {
					out = append(out, models.ArticleAuthor{ArticleID: article, AuthorID: o, Position: i})
				}
			}
			return out, nil
		},
		relink: func(ctx context.Context, st *store.Store, article uint64, owners []uint64) error {
			return st.SetArticleLinks(ctx, article, owners, nil)
		},
		createWith: func(ctx context.Context, st *store.Store, a *models.Article, owners []uint64) error {
			return st.CreateArticle(ctx, a, owners, nil)
		},
		// An author by slug (as the articles filter names one), and a
		// slug of no author.
		variants: func(v store.Visibility, i int, _ uint64) []store.ArticleFilter {
			return []store.ArticleFilter{{Visibility: v, AuthorSlug: fmt.Sprintf("writer-%d", i)}, {Visibility: v, AuthorSlug: "nobody"}}
		},
		drift: func(ctx context.Context, st *store.Store) ([]uint64, []uint64, error) {
			return st.AuthorArticlesDrift(ctx)
		},
	},
	{
		name: "tag",
		create: func(ctx context.Context, st *store.Store, i int) (uint64, error) {
			tags, err := st.EnsureTags(ctx, []string{fmt.Sprintf("topic-%d", i)}, []string{fmt.Sprintf("Topic %d", i)})
			if err != nil {
				return 0, err
			}
			return tags[0].ID, nil
		},
		filter: func(v store.Visibility, owner uint64) store.ArticleFilter {
			return store.ArticleFilter{Visibility: v, TagID: owner}
		},
		links: func(byArticle map[uint64][]uint64) (_ []models.ArticleAuthor, out []models.ArticleTag) {
			for article, owners := range byArticle {
				for _, o := range owners {
					out = append(out, models.ArticleTag{ArticleID: article, TagID: o})
				}
			}
			return nil, out
		},
		relink: func(ctx context.Context, st *store.Store, article uint64, owners []uint64) error {
			return st.SetArticleLinks(ctx, article, nil, owners)
		},
		createWith: func(ctx context.Context, st *store.Store, a *models.Article, owners []uint64) error {
			return st.CreateArticle(ctx, a, nil, owners)
		},
		// A tag by slug, two tags (which no index answers), and a slug of
		// no tag.
		variants: func(v store.Visibility, i int, _ uint64) []store.ArticleFilter {
			return []store.ArticleFilter{
				{Visibility: v, TagSlugs: []string{fmt.Sprintf("topic-%d", i)}},
				{Visibility: v, TagSlugs: []string{fmt.Sprintf("topic-%d", i), fmt.Sprintf("topic-%d", (i+1)%3)}},
				{Visibility: v, TagSlugs: []string{"nothing"}},
			}
		},
		drift: func(ctx context.Context, st *store.Store) ([]uint64, []uint64, error) {
			return st.TagArticlesDrift(ctx)
		},
	},
	{
		// A section's page is read from articles' own index; its total
		// from its archive index (the counts compared here).
		name: "section",
		create: func(ctx context.Context, st *store.Store, i int) (uint64, error) {
			c := &models.Category{Slug: fmt.Sprintf("section-%d", i), Name: fmt.Sprintf("Section %d", i)}
			err := st.CreateCategory(ctx, c)
			return c.ID, err
		},
		filter: func(v store.Visibility, owner uint64) store.ArticleFilter {
			return store.ArticleFilter{Visibility: v, CategoryID: owner}
		},
		// A section by slug, by id and slug that agree or not, and a slug
		// of no section.
		variants: func(v store.Visibility, i int, owner uint64) []store.ArticleFilter {
			slug := fmt.Sprintf("section-%d", i)
			return []store.ArticleFilter{
				{Visibility: v, CategorySlug: slug},
				{Visibility: v, CategoryID: owner, CategorySlug: slug},
				{Visibility: v, CategoryID: owner, CategorySlug: fmt.Sprintf("section-%d", (i+1)%3)},
				{Visibility: v, CategorySlug: "nowhere"},
			}
		},
		place: func(a *models.Article, owners []uint64) { a.CategoryID = &owners[0] },
		links: func(map[uint64][]uint64) ([]models.ArticleAuthor, []models.ArticleTag) { return nil, nil },
		relink: func(ctx context.Context, st *store.Store, article uint64, owners []uint64) error {
			a, err := st.ArticleByID(ctx, store.Visibility{IncludeDeleted: true}, article)
			if err != nil {
				return err
			}
			a.CategoryID = nil
			if len(owners) > 0 {
				a.CategoryID = &owners[0]
			}
			ok, err := st.UpdateArticleIfVersion(ctx, a, a.Version)
			if err == nil && !ok {
				err = fmt.Errorf("article %d changed under the test", article)
			}
			return err
		},
		createWith: func(ctx context.Context, st *store.Store, a *models.Article, owners []uint64) error {
			a.CategoryID = &owners[0]
			return st.CreateArticle(ctx, a, nil, nil)
		},
		drift: func(ctx context.Context, st *store.Store) ([]uint64, []uint64, error) {
			return st.SectionArticlesDrift(ctx)
		},
	},
}

// An author's or a tag's page read from its archive index (a section's
// total) gives the same articles, in the same order, pages and total as
// the old rule and as the
// Go form of the reader rule: for every status, publication time, expiry,
// deletion and locale, at several readers' times (so that time passing
// without a write, which publishes a future-dated article and hides an
// expired one, is covered), and again after every kind of store write of
// an article or its links.
func TestArchiveIndexAgreesWithOldRule(t *testing.T) {
	for _, ac := range archiveCases {
		t.Run(ac.name, func(t *testing.T) { archiveIndexAgreesWithOldRule(t, ac) })
	}
}

func archiveIndexAgreesWithOldRule(t *testing.T, ac archiveCase) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		owners := make([]uint64, 3)
		for i := range owners {
			var err error
			if owners[i], err = ac.create(ctx, st, i); err != nil {
				t.Fatal(err)
			}
		}
		var rows []*models.Article
		for _, status := range []models.ArticleStatus{models.StatusDraft, models.StatusScheduled, models.StatusPublished, models.StatusArchived} {
			for _, at := range []*time.Time{nil, &past, &now, &future} {
				for _, expires := range []*time.Time{nil, &past, &now, &future} {
					for _, deleted := range []*time.Time{nil, &past} {
						for _, locale := range []string{"en", "fr"} {
							rows = append(rows, &models.Article{Slug: fmt.Sprintf("row-%d", len(rows)), Title: "Row", Status: status, Locale: locale,
								PublishedAt: at, ExpiresAt: expires, DeletedAt: deleted, CreatedAt: past, UpdatedAt: past, Version: 1})
						}
					}
				}
			}
		}
		ownersOf := func(i int) []uint64 {
			if i%3 == 0 {
				return []uint64{owners[0], owners[1]}
			}
			return []uint64{owners[0]}
		}
		if ac.place != nil {
			for i, a := range rows {
				ac.place(a, ownersOf(i))
			}
		}
		// Ties in publication time (many rows share past, now, future)
		// make the article id decide the order, across pages.
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		byArticle := map[uint64][]uint64{}
		for i, a := range rows {
			byArticle[a.ID] = ownersOf(i)
		}
		authorLinks, tagLinks := ac.links(byArticle)
		if err := st.InsertArticleLinks(ctx, authorLinks, tagLinks); err != nil {
			t.Fatal(err)
		}
		byID := map[uint64]*models.Article{}
		for _, a := range rows {
			byID[a.ID] = a
		}

		check := func(step string) {
			t.Helper()
			if arts, os, err := ac.drift(ctx, st); err != nil || len(arts)+len(os) > 0 {
				t.Fatalf("%s: the %s index drifted: articles %v, %ss %v, %v", step, ac.name, arts, ac.name, os, err)
			}
			for _, at := range []time.Time{now.Add(-2 * time.Hour), past, now, now.Add(30 * time.Minute), future, now.Add(2 * time.Hour)} {
				for i, o := range owners {
					v := store.Readers(at)
					// In one locale, the index does not answer: the list
					// must come out as the old rule's all the same.
					inFrench := ac.filter(v, o)
					inFrench.Locale = "fr"
					filters := []store.ArticleFilter{ac.filter(v, o), inFrench}
					if ac.variants != nil {
						filters = append(filters, ac.variants(v, i, o)...)
					}
					for _, f := range filters {
						for _, desc := range []bool{true, false} {
							got, gotN := ownerList(t, st, f, 7, desc)
							want, wantN := ownerList(t, st, oldRule(f), 7, desc)
							if !slices.Equal(got, want) || gotN != wantN {
								t.Errorf("%s, %s %d at %v (desc %v, filter %+v): index gives %v (total %d), old rule %v (total %d)",
									step, ac.name, o, at.Sub(now), desc, f, got, gotN, want, wantN)
							}
							var goForm int64
							for _, id := range got {
								if !f.Visibility.Allows(byID[id]) {
									t.Errorf("%s: article %d listed but the Go form hides it", step, id)
								}
								goForm++
							}
							if gotN != goForm || gotN != int64(len(got)) {
								t.Errorf("%s, %s %d at %v: total %d for %d listed", step, ac.name, o, at.Sub(now), gotN, len(got))
							}
						}
					}
				}
			}
		}
		check("inserted")
		if n, _ := st.CountArticles(ctx, ac.filter(store.Readers(now), owners[0])); n == 0 {
			t.Fatal("the rows show nothing to readers: they test nothing")
		}

		// Every store write of an article's visibility columns or byline.
		reload := func(id uint64) *models.Article {
			a, err := st.ArticleByID(ctx, store.Visibility{IncludeDeleted: true}, id)
			if err != nil || a == nil {
				t.Fatalf("reload %d: %v", id, err)
			}
			byID[id] = a
			return a
		}
		update := func(a *models.Article) {
			if ok, err := st.UpdateArticleIfVersion(ctx, a, a.Version); err != nil || !ok {
				t.Fatalf("update %d: %v %v", a.ID, ok, err)
			}
			reload(a.ID)
		}
		var scheduled, expiring, published, deleted *models.Article
		for _, a := range rows {
			switch {
			case scheduled == nil && a.Status == models.StatusScheduled && a.PublishedAt != nil && a.PublishedAt.Equal(past) && a.DeletedAt == nil && a.ExpiresAt == nil:
				scheduled = a
			case expiring == nil && a.Status == models.StatusPublished && a.ExpiresAt != nil && a.ExpiresAt.Equal(past) && a.DeletedAt == nil && a.PublishedAt != nil:
				expiring = a
			case published == nil && a.Status == models.StatusPublished && a.PublishedAt != nil && a.PublishedAt.Equal(past) && a.ExpiresAt == nil && a.DeletedAt == nil:
				published = a
			case deleted == nil && a.Status == models.StatusPublished && a.PublishedAt != nil && a.ExpiresAt == nil && a.DeletedAt != nil:
				deleted = a
			}
		}
		if ok, err := st.PublishIfScheduled(ctx, scheduled.ID, now); err != nil || !ok {
			t.Fatalf("publish scheduled: %v %v", ok, err)
		}
		reload(scheduled.ID)
		check("scheduled article published")
		if ok, err := st.TakeDownIfExpired(ctx, expiring.ID, now); err != nil || !ok {
			t.Fatalf("take down: %v %v", ok, err)
		}
		reload(expiring.ID)
		check("expired article taken down")

		a := reload(published.ID)
		a.DeletedAt = &now
		update(a)
		check("deleted")
		a.DeletedAt = nil
		update(a)
		check("restored")
		a.Status = models.StatusDraft
		update(a)
		check("unpublished")
		a.Status, a.PublishedAt = models.StatusScheduled, &future
		update(a)
		check("scheduled")
		a.Status = models.StatusPublished
		update(a)
		check("published with a future date")
		a.ExpiresAt = &future
		update(a)
		check("given a take-down time")
		d := reload(deleted.ID)
		d.DeletedAt = nil
		update(d)
		check("deleted article restored")

		if err := ac.relink(ctx, st, a.ID, []uint64{owners[2], owners[1]}); err != nil {
			t.Fatal(err)
		}
		check("links changed")
		if err := ac.relink(ctx, st, d.ID, nil); err != nil {
			t.Fatal(err)
		}
		check("links removed")
		created := &models.Article{Slug: "created", Title: "Created", Status: models.StatusPublished, PublishedAt: &past, Locale: "en", Version: 1}
		if err := ac.createWith(ctx, st, created, []uint64{owners[2]}); err != nil {
			t.Fatal(err)
		}
		reload(created.ID)
		check("created")
	})
}

// onlyReaders (which decides whether an archive index answers a list)
// must look at every field of ArticleFilter: with any other field set, an
// author's or a tag's list is read the old way.
func TestArchiveForFields(t *testing.T) {
	known := []string{"Visibility", "CategorySlug", "CategoryID", "TagSlugs", "TagID", "AuthorSlug", "AuthorID",
		"Statuses", "ReviewStates", "PublishedAfter", "PublishedBefore", "ExcludeIDs", "Locale"}
	var names []string
	typ := reflect.TypeFor[store.ArticleFilter]()
	for i := range typ.NumField() {
		names = append(names, typ.Field(i).Name)
	}
	if !slices.Equal(names, known) {
		t.Fatalf("ArticleFilter has fields %v; onlyReaders knows %v: teach it the new ones (an author's or a tag's list with them must not be read from an archive index unless it applies them) and update this list", names, known)
	}
}
