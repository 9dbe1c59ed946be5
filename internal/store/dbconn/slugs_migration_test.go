package dbconn_test

import (
	"context"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestOldSlugsMigrationKeepsRows takes migration 00023 down and up again
// over kept old slugs: each gets its article's locale (empty until the server
// assigns the default one), and afterwards a slug may be kept once per
// locale.
func TestOldSlugsMigrationKeepsRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		if err := db.MigrateDownTo(ctx, 22); err != nil {
			t.Fatalf("down to 22: %v", err)
		}
		article := "INSERT INTO articles (id, slug, title, subtitle, body, body_html, excerpt, body_text, status, created_at, updated_at, locale) " +
			"VALUES (?, ?, 'Budget', '', 'x', 'x', 'x', 'x', 'PUBLISHED', '2024-01-01 00:00:00', '2024-01-01 00:00:00', ?)"
		oldSlug := "INSERT INTO article_slugs (slug, article_id, created_at) VALUES (?, ?, '2024-01-02 00:00:00')"
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{article, []any{7, "budget-fr", "fr"}},
			{article, []any{8, "budget-old", ""}},
			{oldSlug, []any{"budget", 7}},
			{oldSlug, []any{"budget-2024", 8}},
		} {
			if err := db.Exec(q.sql, q.args...).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		locales := func() map[string]string {
			t.Helper()
			var rows []struct{ Slug, Locale string }
			if err := db.Raw("SELECT slug, locale FROM article_slugs ORDER BY slug").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, r := range rows {
				out[r.Slug] = r.Locale
			}
			return out
		}
		if got := locales(); len(got) != 2 || got["budget"] != "fr" || got["budget-2024"] != "" {
			t.Fatalf("old slugs after 00023 = %v, want budget in fr and budget-2024 without a locale", got)
		}
		if _, err := store.New(db).AssignDefaultLocale(ctx, "en"); err != nil {
			t.Fatal(err)
		}
		if got := locales(); got["budget"] != "fr" || got["budget-2024"] != "en" {
			t.Fatalf("old slugs after the default locale = %v, want budget-2024 in en", got)
		}
		keep := "INSERT INTO article_slugs (locale, slug, article_id, created_at) VALUES (?, 'budget', 8, '2024-01-03 00:00:00')"
		if err := db.Exec(keep, "en").Error; err != nil {
			t.Errorf("the same old slug in another locale: %v", err)
		}
		if err := db.Exec(keep, "fr").Error; err == nil {
			t.Error("one old slug kept twice in French")
		}
	})
}
