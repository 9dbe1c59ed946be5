package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

func TestPadIDs(t *testing.T) {
	for _, tc := range []struct {
		in, want []uint64
	}{
		{nil, nil},
		{[]uint64{7}, []uint64{7}},
		{[]uint64{7, 3}, []uint64{7, 3}},
		{[]uint64{7, 3, 9}, []uint64{7, 3, 9, 9}},
		{[]uint64{1, 2, 3, 4}, []uint64{1, 2, 3, 4}},
		{[]uint64{1, 2, 3, 4, 5}, []uint64{1, 2, 3, 4, 5, 5, 5, 5}},
	} {
		got := padIDs(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("padIDs(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	// A padded list is a copy: the caller's ids stay as they were.
	ids := []uint64{1, 2, 3}
	padIDs(ids)[2] = 99
	if ids[2] != 3 {
		t.Errorf("padIDs changed its argument: %v", ids)
	}
}

// TestPlaceholdersAsGORMSpellsThem holds placeholders and appendIDs to
// what Raw writes for a list argument, text and arguments, at every
// length spelt once and past them: a written statement finds the rows
// Raw's did.
func TestPlaceholdersAsGORMSpellsThem(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	for n := range len(spelt) + 3 {
		ids := make([]uint64, n)
		for i := range ids {
			ids[i] = uint64(1000 + i)
		}
		raw := db.Session(&gorm.Session{DryRun: true}).Raw("SELECT id FROM articles WHERE id IN ?", ids).Statement
		if got, want := "SELECT id FROM articles WHERE id IN "+placeholders(n), raw.SQL.String(); got != want {
			t.Errorf("%d ids: placeholders spells %q, Raw %q", n, got, want)
		}
		if got, want := appendIDs([]any{"before"}, ids), append([]any{"before"}, raw.Vars...); !slices.Equal(got, want) {
			t.Errorf("%d ids: appendIDs gives %v, Raw %v", n, got, want)
		}
	}
}

// preparedStatements lists the statements s keeps prepared, or nil when
// its hot reads are not prepared (in a transaction).
func preparedStatements(ctx context.Context, s *Store) []string {
	p, ok := s.prepared(ctx).Statement.ConnPool.(*gorm.PreparedStmtDB)
	if !ok {
		return nil
	}
	return p.Stmts.Keys()
}

// TestHotReadsArePrepared holds which reads are prepared: an article by
// slug, a page of the latest articles, an author's and a tag's page, their
// relations (a page of three articles and one of four sharing one
// statement, padded), a section front on SQLite but not on MySQL (where
// MariaDB ran it at twice the CPU prepared), and nothing in a
// transaction.
func TestHotReadsArePrepared(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := New(db)
		now := time.Now().UTC().Truncate(time.Second)
		c := &models.Category{Slug: "world", Name: "World"}
		if err := st.q(ctx).Create(c).Error; err != nil {
			t.Fatal(err)
		}
		au := &models.Author{Slug: "ada", Name: "Ada"}
		if err := st.q(ctx).Create(au).Error; err != nil {
			t.Fatal(err)
		}
		tag := &models.Tag{Slug: "science", Name: "Science", CreatedAt: now}
		if err := st.q(ctx).Create(tag).Error; err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for i := range 4 {
			a := &models.Article{Slug: fmt.Sprintf("p%d", i), Title: "P", Status: models.StatusPublished, PublishedAt: &now,
				CreatedAt: now, UpdatedAt: now, Version: 1, CategoryID: &c.ID, Locale: "en"}
			if err := st.InsertArticles(ctx, []*models.Article{a}); err != nil {
				t.Fatal(err)
			}
			if err := st.SetArticleLinks(ctx, a.ID, []uint64{au.ID}, []uint64{tag.ID}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		readers := Readers(now.Add(time.Minute))

		a, err := st.ArticleBySlug(ctx, readers, "en", "p1")
		if err != nil || a == nil || a.ID != ids[1] {
			t.Fatalf("ArticleBySlug = %v, %v; want article %d", a, err, ids[1])
		}
		for _, n := range []int{3, 4} {
			rel, err := st.RelationsOfArticles(ctx, ids[:n], true, true, []uint64{c.ID})
			if err != nil {
				t.Fatal(err)
			}
			if len(rel.Authors) != n || rel.Categories[c.ID] == nil {
				t.Fatalf("relations of %d articles: %d bylines, section %v", n, len(rel.Authors), rel.Categories[c.ID])
			}
		}
		latest, err := st.ListArticles(ctx, ArticleFilter{Visibility: readers}, models.SortPublishedAt, page.Request{First: 20})
		if err != nil || len(latest.Items) != 4 {
			t.Fatalf("ListArticles = %v, %v; want 4 articles", latest, err)
		}
		owner, byAuthor, err := st.AuthorPage(ctx, "ada", ArticleFilter{Visibility: readers}, models.SortPublishedAt, page.Request{First: 20, Total: true})
		if err != nil || owner == nil || byAuthor == nil || len(byAuthor.Items) != 4 {
			t.Fatalf("AuthorPage = %v, %v, %v; want Ada and 4 articles", owner, byAuthor, err)
		}
		owned, byTag, err := st.TagPage(ctx, "science", ArticleFilter{Visibility: readers}, models.SortPublishedAt, page.Request{First: 20, Total: true})
		if err != nil || owned == nil || byTag == nil || len(byTag.Items) != 4 {
			t.Fatalf("TagPage = %v, %v, %v; want Science and 4 articles", owned, byTag, err)
		}
		// A list of the client's length makes a shape of each length: not prepared.
		if _, err := st.ListArticles(ctx, ArticleFilter{Statuses: []models.ArticleStatus{models.StatusDraft, models.StatusPublished}},
			models.SortPublishedAt, page.Request{First: 20}); err != nil {
			t.Fatal(err)
		}
		section, front, err := st.SectionFront(ctx, "world", ArticleFilter{Visibility: readers}, models.SortPublishedAt, page.Request{First: 20, Total: true})
		if err != nil || section == nil || front == nil || len(front.Items) != 4 {
			t.Fatalf("SectionFront = %v, %v, %v; want World and 4 articles", section, front, err)
		}
		err = st.Tx(ctx, func(tx *Store) error {
			if got := preparedStatements(ctx, tx); got != nil {
				t.Errorf("in a transaction, prepared statements %q", got)
			}
			_, err := tx.ArticleBySlug(ctx, readers, "en", "p1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		got := preparedStatements(ctx, st)
		sectionFronts := 0
		if db.Dialect == dbconn.SQLite {
			sectionFronts = 1
		}
		count := func(part string) int {
			n := 0
			for _, q := range got {
				if strings.Contains(q, part) {
					n++
				}
			}
			return n
		}
		for _, tc := range []struct {
			name, part string
			want       int
		}{
			{"the article by slug", "articles.locale = ? AND articles.slug = ?", 1},
			{"the relations of 3 and of 4 articles, one shape", "AS kind", 1},
			{"the author page", "author_articles x", 1},
			{"the tag page", "tag_articles x", 1},
			{"the latest articles", "?)) ORDER BY articles.published_at", 1},
			{"the section front", "c.slug = ?", sectionFronts},
			{"a list of two statuses (not prepared)", "articles.status IN", 0},
		} {
			if n := count(tc.part); n != tc.want {
				t.Errorf("%s: %d prepared statements contain %q, want %d; prepared: %q", tc.name, n, tc.part, tc.want, got)
			}
		}
	})
}
