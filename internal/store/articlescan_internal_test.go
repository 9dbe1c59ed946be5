package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// TestScanArticlesMatchesFind reads the same rows with scanArticles and
// with GORM's Find, through each column list articleColumns gives, and
// requires the same articles field for field: NULL and set optional
// columns, covers from the library, SEO fields, every status.
func TestScanArticlesMatchesFind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := New(db)
		cat := &models.Category{Slug: "world", Name: "World"}
		if err := st.q(ctx).Create(cat).Error; err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		img := &models.Image{Key: "k", Width: 1, Height: 1, MimeType: "image/png", SHA256: "00", CreatedAt: now, UpdatedAt: now}
		if err := st.q(ctx).Create(img).Error; err != nil {
			t.Fatal(err)
		}
		past, future := now.Add(-time.Hour), now.Add(time.Hour)
		var rows []*models.Article
		for i, status := range []models.ArticleStatus{models.StatusDraft, models.StatusScheduled, models.StatusPublished, models.StatusArchived} {
			for j, at := range []*time.Time{nil, &past, &future} {
				a := &models.Article{Slug: fmt.Sprintf("row-%d-%d", i, j), Title: "Row «ünïcode»", Subtitle: "sub", Body: "# Body",
					BodyHTML: "<h1>Body</h1>", BodyBlocks: `[{"type":"html"}]`, Excerpt: "Ex", Status: status, PublishedAt: at,
					CreatedAt: past, UpdatedAt: now, ReadingTimeMinutes: i + j, WordCount: 100 * i, Version: 3 + j, LiveVersion: 2,
					Locale: "en", TranslationGroup: uint64(j), PreviewGeneration: i, CanonicalURL: "https://example.com/x"}
				if j == 1 {
					a.CategoryID = &cat.ID
					a.ExpiresAt, a.EmbargoUntil = &future, &past
					a.Cover = models.CoverImage{URL: "https://img/x.jpg", Alt: "alt", Caption: "cap", Credit: "cr"}
					a.SEOFields = models.ArticleSEO{Title: "T", Description: "D", Image: "I", Noindex: true}
				}
				if j == 2 {
					a.Cover.ImageID = models.RefID(img.ID)
					a.DeletedAt = &past
				}
				rows = append(rows, a)
			}
		}
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		for _, v := range []Visibility{{IncludeDeleted: true}, Readers(now)} {
			for _, columns := range []string{"all", "teasers", "without the source"} {
				c := ctx
				switch columns {
				case "teasers":
					c = WithoutBodies(ctx)
				case "without the source":
					c = WithoutMarkdown(ctx)
				}
				q := func() *gorm.DB {
					return applyVisibility(st.q(c).Table("articles"), "articles", v).Select(st.articleColumns(c, v)).Order("articles.id")
				}
				var want []*models.Article
				if err := q().Find(&want).Error; err != nil {
					t.Fatal(err)
				}
				got, err := scanArticles(q())
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 || len(got) != len(want) {
					t.Fatalf("visibility %+v, %s: %d rows scanned, %d found", v, columns, len(got), len(want))
				}
				// A column of no field: GORM reads the rows (and ignores it).
				var byGORM []*models.Article
				err = scanArticlesWith(q().Select(st.articleColumns(c, v)+", 7 AS extra"), nil, func(a *models.Article) { byGORM = append(byGORM, a) })
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("visibility %+v, %s, row %d:\nscanned %+v\n  found %+v", v, columns, i, got[i], want[i])
					}
					if i >= len(byGORM) || !reflect.DeepEqual(byGORM[i], want[i]) {
						t.Errorf("visibility %+v, %s, row %d: GORM's ScanRows differs from Find", v, columns, i)
					}
					if columns == "without the source" && (got[i].Body != "" || got[i].BodyHTML == "" || got[i].BodyBlocks == "") {
						t.Errorf("visibility %+v, row %d without the source: body %q, HTML %q, blocks %q", v, i, got[i].Body, got[i].BodyHTML, got[i].BodyBlocks)
					}
				}
			}
		}
	})
}
