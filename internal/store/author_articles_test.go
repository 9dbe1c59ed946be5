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

// authorList reads every article of f in publication order (newest first
// or oldest first), a page of size at a time through the cursors, and the
// total.
func authorList(t *testing.T, st *store.Store, f store.ArticleFilter, size int, desc bool) ([]uint64, int64) {
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

// oldRule is f read the way every author list was read before the author
// index: a condition that changes nothing for readers (published before
// the end of time) keeps the list off the index.
func oldRule(f store.ArticleFilter) store.ArticleFilter {
	end := time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.PublishedBefore = &end
	return f
}

// The author page read from the author index gives the same articles, in
// the same order, pages and total as the old rule and as the Go form of
// the reader rule: for every status, publication time, expiry, deletion
// and locale, at several readers' times (so that time passing without a
// write, which publishes a future-dated article and hides an expired one,
// is covered), and again after every kind of store write of an article
// or its byline.
func TestAuthorIndexAgreesWithOldRule(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		authors := make([]*models.Author, 3)
		for i := range authors {
			authors[i] = &models.Author{Slug: fmt.Sprintf("writer-%d", i), Name: "Writer", JobTitle: "Writer"}
			if err := st.CreateAuthor(ctx, authors[i]); err != nil {
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
		// Ties in publication time (many rows share past, now, future)
		// make the article id decide the order, across pages.
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		var links []models.ArticleAuthor
		for i, a := range rows {
			links = append(links, models.ArticleAuthor{ArticleID: a.ID, AuthorID: authors[0].ID})
			if i%3 == 0 {
				links = append(links, models.ArticleAuthor{ArticleID: a.ID, AuthorID: authors[1].ID, Position: 1})
			}
		}
		if err := st.InsertArticleLinks(ctx, links, nil); err != nil {
			t.Fatal(err)
		}
		byID := map[uint64]*models.Article{}
		for _, a := range rows {
			byID[a.ID] = a
		}

		check := func(step string) {
			t.Helper()
			if arts, aus, err := st.AuthorArticlesDrift(ctx); err != nil || len(arts)+len(aus) > 0 {
				t.Fatalf("%s: author index drifted: articles %v, authors %v, %v", step, arts, aus, err)
			}
			for _, at := range []time.Time{now.Add(-2 * time.Hour), past, now, now.Add(30 * time.Minute), future, now.Add(2 * time.Hour)} {
				for _, au := range authors {
					f := store.ArticleFilter{Visibility: store.Readers(at), AuthorID: au.ID}
					for _, desc := range []bool{true, false} {
						got, gotN := authorList(t, st, f, 7, desc)
						want, wantN := authorList(t, st, oldRule(f), 7, desc)
						if !slices.Equal(got, want) || gotN != wantN {
							t.Errorf("%s, author %d at %v (desc %v): index gives %v (total %d), old rule %v (total %d)",
								step, au.ID, at.Sub(now), desc, got, gotN, want, wantN)
						}
						var goForm int64
						for _, id := range got {
							if !f.Visibility.Allows(byID[id]) {
								t.Errorf("%s: article %d listed but the Go form hides it", step, id)
							}
							goForm++
						}
						if gotN != goForm || gotN != int64(len(got)) {
							t.Errorf("%s, author %d at %v: total %d for %d listed", step, au.ID, at.Sub(now), gotN, len(got))
						}
					}
				}
			}
		}
		check("inserted")
		if n, _ := st.CountArticles(ctx, store.ArticleFilter{Visibility: store.Readers(now), AuthorID: authors[0].ID}); n == 0 {
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

		if err := st.SetArticleLinks(ctx, a.ID, []uint64{authors[2].ID, authors[1].ID}, nil); err != nil {
			t.Fatal(err)
		}
		check("byline changed")
		if err := st.SetArticleLinks(ctx, d.ID, nil, nil); err != nil {
			t.Fatal(err)
		}
		check("byline removed")
		created := &models.Article{Slug: "created", Title: "Created", Status: models.StatusPublished, PublishedAt: &past, Locale: "en", Version: 1}
		if err := st.CreateArticle(ctx, created, []uint64{authors[2].ID}, nil); err != nil {
			t.Fatal(err)
		}
		reload(created.ID)
		check("created")
	})
}

// byAuthorIndex must look at every field of ArticleFilter: with any other
// field set, an author's list is read the old way (here: the list of an
// author with no articles on the index is still found by the old rule).
func TestByAuthorIndexFields(t *testing.T) {
	known := []string{"Visibility", "CategorySlug", "CategoryID", "TagSlugs", "TagID", "AuthorSlug", "AuthorID",
		"Statuses", "ReviewStates", "PublishedAfter", "PublishedBefore", "ExcludeIDs", "Locale"}
	var names []string
	typ := reflect.TypeFor[store.ArticleFilter]()
	for i := range typ.NumField() {
		names = append(names, typ.Field(i).Name)
	}
	if !slices.Equal(names, known) {
		t.Fatalf("ArticleFilter has fields %v; byAuthorIndex knows %v: teach it the new ones (an author list with them must not be read from the author index unless it applies them) and update this list", names, known)
	}
}
