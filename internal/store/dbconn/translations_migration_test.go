package dbconn_test

import (
	"context"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestTranslationsMigrationKeepsRows takes migration 00020 down and up
// again over an existing article: the row keeps its id, every other
// column (whichever migrations added them) and its full-text index entry;
// afterwards slugs are unique per locale, not globally.
func TestTranslationsMigrationKeepsRows(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		if err := db.MigrateDownTo(ctx, 19); err != nil {
			t.Fatalf("down to 19: %v", err)
		}
		insert := "INSERT INTO articles (id, slug, title, subtitle, body, body_html, excerpt, body_text, status, created_at, updated_at) " +
			"VALUES (?, ?, 'Zanzibar budget', '', 'x', 'x', 'x', 'zanzibar spice trade', 'PUBLISHED', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
		if err := db.Exec(insert, 7, "budget").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(insert, 8, "budget").Error; err == nil {
			t.Fatal("before 00020 two articles shared a slug")
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("up: %v", err)
		}
		var got struct {
			Slug, Locale string
			Group        uint64 `gorm:"column:translation_group"`
		}
		if err := db.Raw("SELECT slug, locale, translation_group FROM articles WHERE id = 7").Scan(&got).Error; err != nil || got.Slug != "budget" || got.Locale != "" || got.Group != 0 {
			t.Fatalf("the article after 00020 = %+v, %v", got, err)
		}
		match := "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'zanzibar'"
		if db.Dialect == dbconn.MySQL {
			match = "SELECT COUNT(*) FROM articles WHERE MATCH (title, subtitle, body_text) AGAINST ('zanzibar' IN BOOLEAN MODE)"
		}
		var n int
		if err := db.Raw(match).Scan(&n).Error; err != nil || n != 1 {
			t.Errorf("full-text matches after the rebuild = %d, %v; want 1", n, err)
		}
		localized := "INSERT INTO articles (id, slug, title, subtitle, body, body_html, excerpt, body_text, status, created_at, updated_at, locale) " +
			"VALUES (?, 'budget', 'Budget', '', 'x', 'x', 'x', 'x', 'DRAFT', '2024-01-01 00:00:00', '2024-01-01 00:00:00', ?)"
		if err := db.Exec(localized, 9, "fr").Error; err != nil {
			t.Errorf("the same slug in another locale: %v", err)
		}
		if err := db.Exec(localized, 10, "fr").Error; err == nil {
			t.Error("two French articles share a slug")
		}
	})
}
