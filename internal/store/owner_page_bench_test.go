package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// BenchmarkOwnerPage compares a section front's, a tag page's and an
// author page's reads in the store, as the graph layer made them before (the owner by
// slug, then the page with its total) and now (together: SectionFront,
// TagPage, AuthorPage), on each engine: the demo content and 2,000 synthetic
// articles, a reader's first page of 20.
func BenchmarkOwnerPage(b *testing.B) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			ctx := context.Background()
			svc := content.New(content.StorageOf(store.New(db)))
			if err := demo.Seed(ctx, svc); err != nil {
				b.Fatal(err)
			}
			if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 2000, demo.SyntheticOptions{Seed: 3}); err != nil {
				b.Fatal(err)
			}
			st := store.New(db)
			ctx = store.WithoutBodies(ctx)
			reader := store.Readers(time.Now())
			first := page.Request{First: 20, Desc: true, Total: true}
			author, err := st.AuthorByID(ctx, 1)
			if err != nil || author == nil {
				b.Fatalf("an author: %v", err)
			}
			var tag string // the tag of the most articles
			if err := db.Raw("SELECT tags.slug FROM tags JOIN article_tags ON article_tags.tag_id = tags.id GROUP BY tags.id, tags.slug ORDER BY COUNT(*) DESC LIMIT 1").Scan(&tag).Error; err != nil || tag == "" {
				b.Fatalf("a tag: %q, %v", tag, err)
			}
			for _, bc := range []struct {
				name string
				read func() (int, error)
			}{
				{"section/apart", func() (int, error) {
					c, err := st.CategoryBySlug(ctx, "world")
					if err != nil {
						return 0, err
					}
					l, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, CategoryID: c.ID}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
				{"section/together", func() (int, error) {
					_, l, err := st.SectionFront(ctx, "world", store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
				{"tag/apart", func() (int, error) {
					t, err := st.TagBySlug(ctx, reader, tag)
					if err != nil {
						return 0, err
					}
					l, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, TagID: t.ID}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
				{"tag/together", func() (int, error) {
					_, l, err := st.TagPage(ctx, tag, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
				{"author/apart", func() (int, error) {
					a, err := st.AuthorBySlug(ctx, author.Slug)
					if err != nil {
						return 0, err
					}
					l, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, AuthorID: a.ID}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
				{"author/together", func() (int, error) {
					_, l, err := st.AuthorPage(ctx, author.Slug, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, first)
					return len(l.Items), err
				}},
			} {
				b.Run(bc.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if n, err := bc.read(); err != nil || n == 0 {
							b.Fatalf("%d articles, %v", n, err)
						}
					}
				})
			}
		})
	}
}
