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

// A section front read in one statement answers what the section's own
// lookup and the list of its articles answer apart: the same section (but
// its timestamps), the same page, cursors and total, and the section even
// where the page has no rows.
func TestSectionFrontAgreesWithItsParts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		world := &models.Category{Slug: "world", Name: "World", Description: "Beyond our borders", Position: 2}
		empty := &models.Category{Slug: "empty", Name: "Empty"}
		for _, c := range []*models.Category{world, empty} {
			if err := st.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		var rows []*models.Article
		for i := range 5 {
			at := now.Add(-time.Duration(i+1) * time.Hour)
			rows = append(rows, &models.Article{Slug: "story-" + string(rune('a'+i)), Title: "Story", Locale: "en", Status: models.StatusPublished,
				CategoryID: &world.ID, PublishedAt: &at, CreatedAt: at, UpdatedAt: at, Version: 1})
		}
		draft := &models.Article{Slug: "draft", Title: "Draft", Locale: "en", Status: models.StatusDraft, CategoryID: &world.ID, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := st.InsertArticles(ctx, append(rows, draft)); err != nil {
			t.Fatal(err)
		}
		reader := store.Readers(now)
		first := page.Request{First: 2, Desc: true, Total: true}
		whole, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, CategoryID: world.ID}, models.SortPublishedAt, page.Request{First: 100, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		last := whole.Cursors[len(whole.Cursors)-1]
		for _, tc := range []struct {
			name, slug string
			p          page.Request
			section    *models.Category // nil: no such section
			items      int
		}{
			{"first page", "world", first, world, 2},
			{"without the total", "world", page.Request{First: 2, Desc: true}, world, 2},
			{"past the end", "world", page.Request{First: 2, Desc: true, Total: true, After: &last}, world, 0},
			{"empty section", "empty", first, empty, 0},
			{"no such section", "nowhere", first, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c, l, err := st.SectionFront(ctx, tc.slug, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				if tc.section == nil {
					if c != nil || l != nil {
						t.Fatalf("no such section: got %+v and a list", c)
					}
					return
				}
				alone, err := st.CategoryBySlug(ctx, tc.slug)
				if err != nil {
					t.Fatal(err)
				}
				// Without its timestamps, which no reader is shown.
				if c == nil || c.ID != alone.ID || c.Slug != alone.Slug || c.Name != alone.Name || c.Description != alone.Description ||
					c.Position != alone.Position {
					t.Fatalf("section %+v, its own lookup %+v", c, alone)
				}
				want, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, CategoryID: alone.ID}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				samePage(t, l, want, tc.items)
			})
		}
	})
}

// An author's page read in one statement (a reader's, from the author
// index) answers what the author's own lookup and the list of their
// articles answer apart; an editor's is read in two, the same way.
func TestAuthorPageAgreesWithItsParts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		writer := &models.Author{Slug: "writer", Name: "Writer", Bio: "Writes", AvatarURL: "https://img.example/w.jpg", JobTitle: "Correspondent"}
		idle := &models.Author{Slug: "idle", Name: "Idle"}
		gone := &models.Author{Slug: "gone", Name: "Gone"}
		for _, a := range []*models.Author{writer, idle, gone} {
			if err := st.CreateAuthor(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		var rows []*models.Article
		for i := range 5 {
			at := now.Add(-time.Duration(i+1) * time.Hour)
			rows = append(rows, &models.Article{Slug: fmt.Sprintf("story-%d", i), Title: "Story", Locale: "en", Status: models.StatusPublished,
				PublishedAt: &at, CreatedAt: at, UpdatedAt: at, Version: 1})
		}
		rows = append(rows, &models.Article{Slug: "draft", Title: "Draft", Locale: "en", Status: models.StatusDraft, CreatedAt: now, UpdatedAt: now, Version: 1})
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		var links []models.ArticleAuthor
		for _, a := range rows {
			links = append(links, models.ArticleAuthor{ArticleID: a.ID, AuthorID: writer.ID}, models.ArticleAuthor{ArticleID: a.ID, AuthorID: gone.ID, Position: 1})
		}
		if err := st.InsertArticleLinks(ctx, links, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE authors SET deleted_at = ? WHERE id = ?", now, gone.ID).Error; err != nil {
			t.Fatal(err)
		}
		reader, editor := store.Readers(now), store.Visibility{Now: now}
		whole, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, AuthorID: writer.ID}, models.SortPublishedAt, page.Request{First: 100, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		last := whole.Cursors[len(whole.Cursors)-1]
		for _, tc := range []struct {
			name, slug string
			v          store.Visibility
			p          page.Request
			author     *models.Author // nil: no such author
			items      int
		}{
			{"first page", "writer", reader, page.Request{First: 2, Desc: true, Total: true}, writer, 2},
			{"without the total", "writer", reader, page.Request{First: 2, Desc: true}, writer, 2},
			{"oldest first", "writer", reader, page.Request{Last: 2, Desc: true, Total: true}, writer, 2},
			{"past the end", "writer", reader, page.Request{First: 2, Desc: true, Total: true, After: &last}, writer, 0},
			{"an editor's, with the draft", "writer", editor, page.Request{First: 10, Desc: true, Total: true}, writer, 6},
			{"no articles", "idle", reader, page.Request{First: 2, Desc: true, Total: true}, idle, 0},
			{"a deleted author", "gone", reader, page.Request{First: 2, Desc: true, Total: true}, nil, 0},
			{"no such author", "nobody", reader, page.Request{First: 2, Desc: true, Total: true}, nil, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a, l, err := st.AuthorPage(ctx, tc.slug, store.ArticleFilter{Visibility: tc.v}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				alone, err := st.AuthorBySlug(ctx, tc.slug)
				if err != nil {
					t.Fatal(err)
				}
				if tc.author == nil {
					if a != nil || l != nil || alone != nil {
						t.Fatalf("no such author: got %+v and a list (alone: %+v)", a, alone)
					}
					return
				}
				// A byline's columns, as AuthorsByArticleIDs reads them.
				if a == nil || a.ID != alone.ID || a.Slug != alone.Slug || a.Name != alone.Name || a.Bio != alone.Bio || a.AvatarURL != alone.AvatarURL ||
					a.JobTitle != alone.JobTitle || a.DeletedAt != nil {
					t.Fatalf("author %+v, their own lookup %+v", a, alone)
				}
				want, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: tc.v, AuthorID: alone.ID}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				samePage(t, l, want, tc.items)
			})
		}
	})
}

// A tag page read in one statement answers what the tag's own lookup and
// the list of its articles answer apart, for readers and editors: the same
// tag (but its timestamp), the same page, cursors and total; and a tag none
// of whose articles a reader sees is no tag for the reader.
func TestTagPageAgreesWithItsParts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		var rows []*models.Article
		for i := range 5 {
			at := now.Add(-time.Duration(i+1) * time.Hour)
			rows = append(rows, &models.Article{Slug: fmt.Sprintf("story-%d", i), Title: "Story", Locale: "en", Status: models.StatusPublished,
				PublishedAt: &at, CreatedAt: at, UpdatedAt: at, Version: 1})
		}
		draft := &models.Article{Slug: "draft", Title: "Draft", Locale: "en", Status: models.StatusDraft, CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := st.InsertArticles(ctx, append(rows, draft)); err != nil {
			t.Fatal(err)
		}
		tags := map[string]*models.Tag{}
		for _, slug := range []string{"korea", "unused", "drafts-only"} {
			tg := &models.Tag{Slug: slug, Name: "Tag " + slug, CreatedAt: now}
			if err := db.Create(tg).Error; err != nil {
				t.Fatal(err)
			}
			tags[slug] = tg
		}
		var links []models.ArticleTag
		for _, a := range append(rows, draft) {
			links = append(links, models.ArticleTag{ArticleID: a.ID, TagID: tags["korea"].ID})
		}
		links = append(links, models.ArticleTag{ArticleID: draft.ID, TagID: tags["drafts-only"].ID})
		if err := st.InsertArticleLinks(ctx, nil, links); err != nil {
			t.Fatal(err)
		}
		reader, editor := store.Readers(now), store.Visibility{Now: now}
		whole, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, TagID: tags["korea"].ID}, models.SortPublishedAt, page.Request{First: 100, Desc: true})
		if err != nil {
			t.Fatal(err)
		}
		last := whole.Cursors[len(whole.Cursors)-1]
		first := page.Request{First: 2, Desc: true, Total: true}
		for _, tc := range []struct {
			name, slug string
			v          store.Visibility
			p          page.Request
			found      bool
			items      int
		}{
			{"first page", "korea", reader, first, true, 2},
			{"an editor's, drafts too", "korea", editor, page.Request{First: 10, Desc: true, Total: true}, true, 6},
			{"without the total", "korea", reader, page.Request{First: 2, Desc: true}, true, 2},
			{"past the end", "korea", reader, page.Request{First: 2, Desc: true, Total: true, After: &last}, true, 0},
			{"drafts only, for a reader", "drafts-only", reader, first, false, 0},
			{"drafts only, for an editor", "drafts-only", editor, first, true, 1},
			{"no articles, for an editor", "unused", editor, first, true, 0},
			{"no such tag", "nowhere", editor, first, false, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tg, l, err := st.TagPage(ctx, tc.slug, store.ArticleFilter{Visibility: tc.v}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				alone, err := st.TagBySlug(ctx, tc.v, tc.slug)
				if err != nil {
					t.Fatal(err)
				}
				if !tc.found {
					if tg != nil || l != nil || alone != nil {
						t.Fatalf("found %+v (and a list), its own lookup %+v; want neither", tg, alone)
					}
					return
				}
				if tg == nil || alone == nil || tg.ID != alone.ID || tg.Slug != alone.Slug || tg.Name != alone.Name {
					t.Fatalf("tag %+v, its own lookup %+v", tg, alone)
				}
				want, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: tc.v, TagID: alone.ID}, models.SortPublishedAt, tc.p)
				if err != nil {
					t.Fatal(err)
				}
				samePage(t, l, want, tc.items)
			})
		}
	})
}

// samePage fails unless got and want hold the same n articles, cursors,
// page info and total.
func samePage(t *testing.T, got, want *page.List[*models.Article], n int) {
	t.Helper()
	if len(got.Items) != n || len(want.Items) != n {
		t.Fatalf("%d and %d articles, want %d", len(got.Items), len(want.Items), n)
	}
	for i := range got.Items {
		if got.Items[i].ID != want.Items[i].ID || got.Cursors[i] != want.Cursors[i] {
			t.Errorf("item %d: %d (cursor %+v), want %d (%+v)", i, got.Items[i].ID, got.Cursors[i], want.Items[i].ID, want.Cursors[i])
		}
	}
	if got.Info != want.Info {
		t.Errorf("page info %+v, want %+v", got.Info, want.Info)
	}
	if (got.Count == nil) != (want.Count == nil) {
		t.Fatalf("counted with the page: %v, want %v", got.Count != nil, want.Count != nil)
	}
	if got.Count != nil {
		g, err := got.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if g != w {
			t.Errorf("total %d, want %d", g, w)
		}
	}
}
