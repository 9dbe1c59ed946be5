package httpcache_test

import (
	"slices"
	"testing"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

func TestWriteKeys(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	dry := func() *gorm.DB { return db.Session(&gorm.Session{DryRun: true}) }
	cases := []struct {
		name string
		run  func() *gorm.DB
		want []string
	}{
		{"article created", func() *gorm.DB { return dry().Create(&models.Article{ID: 5, Slug: "x"}) }, []string{"article:5", "articles"}},
		{"tags created", func() *gorm.DB { return dry().Create(&[]models.Tag{{ID: 1, Slug: "a"}, {ID: 2, Slug: "b"}}) }, []string{"tag:1", "tag:2", "tags"}},
		{"byline replaced", func() *gorm.DB { return dry().Where("article_id = ?", uint64(7)).Delete(&models.ArticleAuthor{}) }, []string{"article:7", "articles"}},
		{"author renamed by id", func() *gorm.DB {
			return dry().Model(&models.Author{}).Where("id = ?", uint64(3)).Update("name", "x")
		}, []string{"author:3", "authors"}},
		{"author saved", func() *gorm.DB { return dry().Save(&models.Author{ID: 4, Name: "x", Slug: "x"}) }, []string{"author:4", "authors"}},
		{"conditional update of one article", func() *gorm.DB {
			return dry().Model(&models.Article{}).Where("id = ? AND version = ?", uint64(9), 3).Update("title", "x")
		}, []string{"article:9", "articles"}},
		{"conditional update, id second", func() *gorm.DB {
			return dry().Model(&models.Article{}).Where("status = ? AND id = ?", "SCHEDULED", uint64(11)).Update("status", "PUBLISHED")
		}, []string{"article:11", "articles"}},
		{"either of two rows", func() *gorm.DB {
			return dry().Model(&models.Article{}).Where("id = ? OR id = ?", uint64(1), uint64(2)).Update("title", "x")
		}, []string{"*"}},
		{"articles of a section updated", func() *gorm.DB {
			return dry().Model(&models.Article{}).Where("category_id = ?", uint64(1)).Update("title", "x")
		}, []string{"*"}},
		{"raw update", func() *gorm.DB { return dry().Exec("UPDATE articles SET title = 'x'") }, []string{"*"}},
		{"raw insert, quoted", func() *gorm.DB { return dry().Exec("INSERT INTO `tags` (slug) VALUES ('x')") }, []string{"*"}},
		{"redirect created", func() *gorm.DB { return dry().Create(&models.Redirect{FromPath: "/a", Location: "/b"}) }, []string{"redirects"}},
		{"redirects retargeted", func() *gorm.DB {
			return dry().Model(&models.Redirect{}).Where("location = ?", "/a").Update("location", "/c")
		}, []string{"redirects"}},
		{"redirect deleted", func() *gorm.DB { return dry().Where("id = ?", uint64(3)).Delete(&models.Redirect{}) }, []string{"redirects"}},
		{"another table", func() *gorm.DB { return dry().Exec("UPDATE goose_db_version SET is_applied = 1") }, nil},
		// The store's archive indexes (store.syncArchive) are written by
		// table name with no model; each write goes with a content write
		// that purges what it must, and must not purge everything.
		{"an archive index cleared", func() *gorm.DB {
			return dry().Table("tag_articles").Where("article_id IN ?", []uint64{1, 2}).Delete(map[string]any{})
		}, nil},
		{"an archive index written", func() *gorm.DB {
			return dry().Table("category_articles").Create([]map[string]any{{"article_id": 1, "category_id": 2, "status": "PUBLISHED"}})
		}, nil},
		{"an archive count moved", func() *gorm.DB {
			return dry().Table("author_article_counts").Where("author_id IN ?", []uint64{3}).Update("published", gorm.Expr("published + 1"))
		}, nil},
		{"a table named like a content table", func() *gorm.DB { return dry().Exec("DELETE FROM articles_fts WHERE rowid = 1") }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx := tc.run()
			if tx.Error != nil {
				t.Fatal(tx.Error)
			}
			got := httpcache.WriteKeys(tx.Statement)
			slices.Sort(got)
			got = slices.Compact(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("WriteKeys = %v, want %v (SQL %s)", got, tc.want, tx.Statement.SQL.String())
			}
		})
	}
}
