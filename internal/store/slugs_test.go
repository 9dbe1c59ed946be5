package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// Slugs are unique per locale only, and a body's link names a slug alone:
// where several locales have it, the link is the preferred locale's
// article, else the oldest the viewer may see, whatever order the rows
// come back in.
func TestArticlesBySlugsAcrossLocales(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := time.Now().UTC().Truncate(time.Second)
		past := now.Add(-time.Hour)
		row := func(slug, locale string, status models.ArticleStatus) *models.Article {
			return &models.Article{Slug: slug, Title: slug + " (" + locale + ")", Locale: locale, Status: status,
				PublishedAt: &past, CreatedAt: past, UpdatedAt: past, Version: 1}
		}
		// In id order: the older first.
		rows := []*models.Article{
			row("shared", "fr", models.StatusPublished),
			row("shared", "en", models.StatusPublished),
			row("only-fr", "fr", models.StatusPublished),
			row("hidden-en", "en", models.StatusDraft),
			row("hidden-en", "de", models.StatusPublished),
			row("two-others", "de", models.StatusPublished),
			row("two-others", "fr", models.StatusPublished),
		}
		if err := st.InsertArticles(ctx, rows); err != nil {
			t.Fatal(err)
		}
		slugs := []string{"shared", "only-fr", "hidden-en", "two-others", "no-such-slug"}
		for _, tc := range []struct {
			preferred string
			want      map[string]string // slug → locale of the article found
		}{
			{"en", map[string]string{"shared": "en", "only-fr": "fr", "hidden-en": "de", "two-others": "de"}},
			{"fr", map[string]string{"shared": "fr", "only-fr": "fr", "hidden-en": "de", "two-others": "fr"}},
		} {
			got, err := st.ArticlesBySlugs(ctx, store.Readers(now), slugs, tc.preferred)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("preferring %s: %d slugs found, want %d", tc.preferred, len(got), len(tc.want))
			}
			for slug, locale := range tc.want {
				if a := got[slug]; a == nil || a.Locale != locale || a.Slug != slug {
					t.Errorf("preferring %s, %q gave %+v, want the %s article", tc.preferred, slug, a, locale)
				}
			}
		}
	})
}
