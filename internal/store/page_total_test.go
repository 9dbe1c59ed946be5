package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// A page read with Total carries the count of the whole list, read in the
// page's own statement, and it is the count CountArticles gives: for every
// kind of filter (the author index's included), from either end, on the
// first page and past a cursor. A page with no rows past a cursor has no
// row to carry it and leaves the count to the caller; one with no rows and
// no cursor is an empty list.
func TestPageTotalIsTheCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-time.Hour), now.Add(time.Hour)

		var sections []*models.Category
		for i, slug := range []string{"news", "sport", "empty"} {
			c := &models.Category{Slug: slug, Name: slug, Position: i}
			if err := st.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
			sections = append(sections, c)
		}
		author := &models.Author{Slug: "columnist", Name: "Columnist"}
		if err := st.CreateAuthor(ctx, author); err != nil {
			t.Fatal(err)
		}
		tags, err := st.EnsureTags(ctx, []string{"budget", "unused"}, []string{"Budget", "Unused"})
		if err != nil {
			t.Fatal(err)
		}
		var rows []*models.Article
		for i := range 40 {
			a := &models.Article{Slug: fmt.Sprintf("row-%d", i), Title: "Row", Status: models.StatusPublished, Locale: "en",
				PublishedAt: &past, CreatedAt: past, UpdatedAt: past, Version: 1, CategoryID: &sections[i%2].ID}
			switch i % 5 {
			case 1:
				a.Status = models.StatusDraft
			case 2:
				a.PublishedAt = &future // scheduled by date: hidden from readers until then
			case 3:
				a.Locale = "fr"
			}
			rows = append(rows, a)
		}
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		var bylines []models.ArticleAuthor
		var tagged []models.ArticleTag
		for i, a := range rows {
			if i%3 == 0 {
				bylines = append(bylines, models.ArticleAuthor{ArticleID: a.ID, AuthorID: author.ID})
			}
			if i%4 == 0 {
				tagged = append(tagged, models.ArticleTag{ArticleID: a.ID, TagID: tags[0].ID})
			}
		}
		if err := st.InsertArticleLinks(ctx, bylines, tagged); err != nil {
			t.Fatal(err)
		}

		readers, editors := store.Readers(now), store.Visibility{Now: now}
		// want is counted from the rows above: of every 5, one draft, one
		// due later and one in French; sections alternate; every third
		// has the byline and every fourth the tag.
		filters := []struct {
			name string
			f    store.ArticleFilter
			want int64
		}{
			{"everything", store.ArticleFilter{Visibility: readers}, 24},
			{"section by id", store.ArticleFilter{Visibility: readers, CategoryID: sections[0].ID}, 12},
			{"section by slug", store.ArticleFilter{Visibility: readers, CategorySlug: "sport"}, 12},
			{"empty section", store.ArticleFilter{Visibility: readers, CategoryID: sections[2].ID}, 0},
			{"tag by id", store.ArticleFilter{Visibility: readers, TagID: tags[0].ID}, 6},
			{"tags by slug", store.ArticleFilter{Visibility: readers, TagSlugs: []string{"budget", "unused"}}, 6},
			{"unused tag", store.ArticleFilter{Visibility: readers, TagID: tags[1].ID}, 0},
			{"author from the author index", store.ArticleFilter{Visibility: readers, AuthorID: author.ID}, 9},
			{"author by slug", store.ArticleFilter{Visibility: readers, AuthorSlug: "columnist"}, 9},
			{"one locale", store.ArticleFilter{Visibility: readers, Locale: "fr"}, 8},
			{"drafts, for editors", store.ArticleFilter{Visibility: editors, Statuses: []models.ArticleStatus{models.StatusDraft}}, 8},
			{"editors see all", store.ArticleFilter{Visibility: editors}, 40},
		}
		counted := 0
		for _, tc := range filters {
			want, err := st.CountArticles(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if want != tc.want {
				t.Errorf("%s: COUNT gives %d, the rows hold %d", tc.name, want, tc.want)
			}
			for _, p := range []page.Request{{First: 3, Desc: true}, {Last: 3, Desc: true}, {First: 100}} {
				p.Total = true
				l, err := st.ListArticles(ctx, tc.f, models.SortPublishedAt, p)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				// The list goes on past the page's last cursor, and then
				// past the whole list.
				var next *page.List[*models.Article]
				if len(l.Cursors) > 0 {
					q := p
					q.After, q.Before = &l.Cursors[len(l.Cursors)-1], nil
					if p.Backward() {
						q.After, q.Before = nil, &l.Cursors[0]
					}
					if next, err = st.ListArticles(ctx, tc.f, models.SortPublishedAt, q); err != nil {
						t.Fatalf("%s, next page: %v", tc.name, err)
					}
				}
				for _, pg := range []*page.List[*models.Article]{l, next} {
					if pg == nil {
						continue
					}
					if pg.Count == nil {
						if len(pg.Items) > 0 || pg == l {
							t.Errorf("%s %+v: %d rows and no total read with them", tc.name, p, len(pg.Items))
						}
						continue
					}
					got, err := pg.Count(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("%s %+v: total %d read with the page, COUNT gives %d", tc.name, p, got, want)
					}
					counted++
				}
			}
		}
		if counted < 40 {
			t.Fatalf("only %d totals read with their pages: the test checks little", counted)
		}
		// Without Total, a page leaves the count to its caller.
		l, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: readers}, models.SortPublishedAt, page.Request{First: 3})
		if err != nil || l.Count != nil {
			t.Fatalf("a page read without Total carries a count: %v", err)
		}
	})
}
