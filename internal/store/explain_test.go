package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// sqlRecorder is a GORM logger that keeps the statements it sees.
type sqlRecorder struct {
	logger.Interface
	mu   sync.Mutex
	sqls []string
}

func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	r.sqls = append(r.sqls, sql)
	r.mu.Unlock()
}

func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sqls
	r.sqls = nil
	return out
}

// TestReadPathsUseIndexesOnMySQL runs EXPLAIN on the statements the store
// really issues for the main read paths and fails on a full scan of articles.
func TestReadPathsUseIndexesOnMySQL(t *testing.T) {
	rec := &sqlRecorder{Interface: logger.Discard}
	db := dbtest.OpenWith(t, dbconn.MySQL, dbconn.Options{Logger: rec})
	ctx := context.Background()
	svc := content.New(content.StorageOf(store.New(db)))
	if err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 3000, demo.SyntheticOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	db.Exec("ANALYZE TABLE articles, article_tags, article_authors, author_articles, tag_articles, category_articles, tags, authors, categories")
	st := store.New(db)
	reader := store.Visibility{PublishedOnly: true, Now: time.Now()}
	first20 := page.Request{First: 20, Desc: true}
	world, _ := st.CategoryBySlug(ctx, "world")
	author1, _ := st.AuthorByID(ctx, 1)
	paths := []struct {
		name string
		run  func() error
	}{
		{"article by slug", func() error { _, err := st.ArticleBySlug(ctx, reader, "en", demo.SeedSlug); return err }},
		{"linked articles by slug", func() error {
			_, err := st.ArticlesBySlugs(ctx, reader, []string{demo.SeedSlug, "no-such-article"}, "en")
			return err
		}},
		{"homepage", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, first20)
			return err
		}},
		{"section front", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, CategoryID: world.ID}, models.SortPublishedAt, first20)
			return err
		}},
		{"section front by slug", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, CategorySlug: "world"}, models.SortPublishedAt, first20)
			return err
		}},
		{"section front read with its section", func() error {
			_, _, err := st.SectionFront(ctx, "world", store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			return err
		}},
		{"tag page", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, TagID: 3}, models.SortPublishedAt, first20)
			return err
		}},
		{"tag page read with its tag", func() error {
			_, _, err := st.TagPage(ctx, "north-korea", store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			return err
		}},
		{"articles of one tag by slug", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, TagSlugs: []string{"north-korea"}}, models.SortPublishedAt, first20)
			return err
		}},
		{"articles of one author by slug", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, AuthorSlug: author1.Slug}, models.SortPublishedAt, first20)
			return err
		}},
		{"tag filter by slug", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, TagSlugs: []string{"north-korea", "russia"}}, models.SortPublishedAt, first20)
			return err
		}},
		{"author page", func() error {
			_, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader, AuthorID: 1}, models.SortPublishedAt, first20)
			return err
		}},
		{"author page read with its author", func() error {
			_, _, err := st.AuthorPage(ctx, author1.Slug, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			return err
		}},
		{"count of a section", func() error {
			_, err := st.CountArticles(ctx, store.ArticleFilter{Visibility: reader, CategoryID: world.ID})
			return err
		}},
		{"count of an author's articles", func() error {
			_, err := st.CountArticles(ctx, store.ArticleFilter{Visibility: reader, AuthorID: 1})
			return err
		}},
		{"count of one tag's articles", func() error {
			_, err := st.CountArticles(ctx, store.ArticleFilter{Visibility: reader, TagID: 3})
			return err
		}},
		{"count of a tag's articles", func() error {
			_, err := st.CountArticles(ctx, store.ArticleFilter{Visibility: reader, TagSlugs: []string{"north-korea", "russia"}})
			return err
		}},
		{"count of everything", func() error {
			_, err := st.CountArticles(ctx, store.ArticleFilter{Visibility: reader})
			return err
		}},
		{"authors of a page", func() error { _, err := st.AuthorsByArticleIDs(ctx, []uint64{1, 2, 3, 4, 5}); return err }},
		{"tags of a page", func() error { _, err := st.TagsByArticleIDs(ctx, []uint64{1, 2, 3, 4, 5}); return err }},
		{"scheduler", func() error { _, err := st.DueScheduled(ctx, time.Now(), 100); return err }},
		// Search joins its page of hits to their articles, hits first:
		// started from articles, it would read every one.
		{"search", func() error {
			q, err := fulltext.Parse("korea")
			if err != nil {
				return err
			}
			_, err = st.SearchArticles(ctx, store.ArticleFilter{Visibility: reader}, q, store.SearchPage{First: 10, Ref: time.Now()})
			return err
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			rec.take()
			if err := p.run(); err != nil {
				t.Fatal(err)
			}
			for _, sql := range rec.take() {
				rows, err := db.SQL().QueryContext(ctx, "EXPLAIN "+sql)
				if err != nil {
					t.Fatalf("EXPLAIN %s: %v", sql, err)
				}
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					rows.Scan(ptrs...)
					row := map[string]string{}
					for i, c := range cols {
						if b, ok := vals[i].([]byte); ok {
							row[c] = string(b)
						}
					}
					// "index" reads every entry of an index: a full scan too.
					if (row["table"] == "articles" || row["table"] == "article_authors" || row["table"] == "article_tags") && (row["type"] == "ALL" || row["type"] == "index" || row["key"] == "") {
						t.Errorf("full scan of %s (type %s, key %q) for\n  %s", row["table"], row["type"], row["key"], sql)
					}
					// The relation loads run on every page of teasers; they
					// are put in order in Go, not in a temporary table.
					if strings.HasSuffix(p.name, "of a page") && strings.Contains(row["Extra"], "filesort") {
						t.Errorf("%s sorts in the database (%s):\n  %s", p.name, row["Extra"], sql)
					}
					// A lookup by slug reads the rows it finds, not every
					// published article (slugs are unique per locale, and
					// links name the slug alone).
					if (p.name == "article by slug" || p.name == "linked articles by slug") && row["table"] == "articles" {
						if n, err := strconv.Atoi(row["rows"]); err != nil || n > 10 {
							t.Errorf("%s reads %s rows of articles (key %q):\n  %s", p.name, row["rows"], row["key"], sql)
						}
					}
					// Totals are counted in the index, not from article rows.
					if strings.HasPrefix(p.name, "count of") && row["table"] == "articles" && !strings.Contains(row["Extra"], "Using index") {
						t.Errorf("%s reads article rows (%s):\n  %s", p.name, row["Extra"], sql)
					}
					// An author's or a tag's page and total read its archive
					// index in order (author_articles x, tag_articles x),
					// and articles by primary key; a section's total its
					// own (category_articles x).
					index := map[string]string{"author page": "author_articles", "author page read with its author": "author_articles",
						"count of an author's articles": "author_articles", "tag page": "tag_articles", "tag page read with its tag": "tag_articles",
						"count of one tag's articles": "tag_articles", "count of a section": "category_articles",
						"articles of one tag by slug": "tag_articles", "articles of one author by slug": "author_articles"}[p.name]
					if index != "" {
						switch {
						case row["table"] == "x" && !strings.HasPrefix(row["key"], "ix_"+index+"_"):
							t.Errorf("%s does not read its archive index %s (key %q):\n  %s", p.name, index, row["key"], sql)
						case row["table"] == "x" && !strings.Contains(row["Extra"], "Using index"):
							t.Errorf("%s reads %s rows (%s):\n  %s", p.name, index, row["Extra"], sql)
						case row["table"] == "articles" && row["key"] != "PRIMARY":
							t.Errorf("%s reads articles by %q, not by primary key:\n  %s", p.name, row["key"], sql)
						case strings.Contains(row["Extra"], "filesort") || strings.Contains(row["Extra"], "temporary"):
							t.Errorf("%s sorts (%s):\n  %s", p.name, row["Extra"], sql)
						}
					}
					t.Logf("%s: table=%s type=%s key=%s rows=%s extra=%s", p.name, row["table"], row["type"], row["key"], row["rows"], strings.TrimSpace(row["Extra"]))
				}
				rows.Close()
			}
		})
	}
	_ = models.StatusPublished
}

// TestArticleQueriesReadOnlyWhatIsShown checks the columns article queries
// ask for: never the write-only plain-text body (as long as the body), for
// pages of teasers not the bodies either, and for cards only CardColumns.
func TestArticleQueriesReadOnlyWhatIsShown(t *testing.T) {
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			rec := &sqlRecorder{Interface: logger.Discard}
			db := dbtest.OpenWith(t, engine, dbconn.Options{Logger: rec})
			ctx := context.Background()
			svc := content.New(content.StorageOf(store.New(db)))
			if err := demo.Seed(ctx, svc); err != nil {
				t.Fatal(err)
			}
			st := store.New(db)
			reader := store.Visibility{PublishedOnly: true, Now: time.Now()}
			for _, tc := range []struct {
				name       string
				ctx        context.Context
				wantBodies bool
				cards      bool
			}{
				{"full", ctx, true, false},
				{"teasers", store.WithoutBodies(ctx), false, false},
				{"cards", store.WithCardColumns(ctx), false, true},
			} {
				rec.take()
				list, err := st.ListArticles(tc.ctx, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 5, Desc: true})
				if err != nil || len(list.Items) == 0 {
					t.Fatalf("%s: list: %v (%d articles)", tc.name, err, len(list.Items))
				}
				if _, err := st.ArticleBySlug(tc.ctx, reader, "en", demo.SeedSlug); err != nil {
					t.Fatal(err)
				}
				if _, err := st.ArticlesByIDs(tc.ctx, reader, []uint64{list.Items[0].ID}); err != nil {
					t.Fatal(err)
				}
				sqls := rec.take()
				if len(sqls) != 3 {
					t.Fatalf("%s: %d statements, want 3: %q", tc.name, len(sqls), sqls)
				}
				for _, sql := range sqls {
					if strings.Contains(sql, "body_text") || strings.Contains(sql, "*") {
						t.Errorf("%s: reads the plain-text body or every column:\n  %s", tc.name, sql)
					}
					if got := strings.Contains(sql, "articles.body_html"); got != tc.wantBodies {
						t.Errorf("%s: reads the bodies: %v, want %v:\n  %s", tc.name, got, tc.wantBodies, sql)
					}
					// Cards: the card columns, and none of the others.
					if got := strings.Contains(sql, "articles.seo_title") || strings.Contains(sql, "articles.cover_url"); got == tc.cards {
						t.Errorf("%s: reads SEO or cover columns: %v, want %v:\n  %s", tc.name, got, !tc.cards, sql)
					}
					for _, c := range store.CardColumns {
						if !strings.Contains(sql, "articles."+c) && !(c == "version" && strings.Contains(sql, "live_version AS version")) {
							t.Errorf("%s: does not read the card column %s:\n  %s", tc.name, c, sql)
						}
					}
				}
				if tc.wantBodies && list.Items[0].BodyHTML == "" {
					t.Errorf("full list came back without bodies")
				}

				// Search reads the plain-text body for its snippets, and
				// the bodies only when they are asked for.
				if _, err := svc.Search(tc.ctx, "Ukraine", content.ArticleQuery{}, nil, nil); err != nil {
					t.Fatal(err)
				}
				seen := 0
				for _, sql := range rec.take() {
					if !strings.Contains(sql, "search_text") {
						continue
					}
					seen++
					if got := strings.Contains(sql, "articles.body_html"); got != tc.wantBodies {
						t.Errorf("%s: search reads the bodies: %v, want %v:\n  %s", tc.name, got, tc.wantBodies, sql)
					}
				}
				if seen == 0 {
					t.Errorf("%s: no search statement seen", tc.name)
				}
			}
		})
	}
}

// Lookups of articles on SQLite search the index of what they look up:
// links name a slug alone (slugs are unique per locale), and without the
// slug index, or statistics, SQLite read every published article, bodies
// and all, on every page whose body links to another article.
func TestLookupsUseTheirIndexOnSQLite(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	ctx := context.Background()
	svc := content.New(content.StorageOf(store.New(db)))
	if err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	// The statement as sent: its text with placeholders, and its arguments.
	var sql string
	var args []any
	record := func(tx *gorm.DB) { sql, args = tx.Statement.SQL.String(), tx.Statement.Vars }
	if err := db.Callback().Row().After("gorm:row").Register("test:record", record); err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	reader := store.Visibility{PublishedOnly: true, Now: time.Now()}
	seed, err := st.ArticleBySlug(ctx, reader, "en", demo.SeedSlug)
	if err != nil || seed == nil {
		t.Fatalf("seed article: %v", err)
	}
	demoAuthor, err := st.AuthorByID(ctx, 1)
	if err != nil || demoAuthor == nil {
		t.Fatalf("an author: %v", err)
	}
	for _, tc := range []struct {
		name   string
		lookup func() (int, error)
		search string // what the plan's SEARCH of articles names
	}{
		{"by slug", func() (int, error) {
			found, err := st.ArticlesBySlugs(ctx, reader, []string{demo.SeedSlug, "no-such-article"}, "en")
			return len(found), err
		}, "(slug=?)"},
		{"by id", func() (int, error) {
			found, err := st.ArticlesByIDs(ctx, reader, []uint64{seed.ID, 1 << 40})
			return len(found), err
		}, "(id=?"},
		// The related read looks up each ranked candidate (and each one
		// kept) by its id.
		{"related", func() (int, error) {
			found, err := st.RelatedByArticleIDs(ctx, reader, []uint64{seed.ID}, 5)
			return min(len(found[seed.ID]), 1), err
		}, "(rowid=?)"},
		// A section front reads its page through the section's index,
		// with the section's own row beside it.
		{"section front", func() (int, error) {
			section, list, err := st.SectionFront(ctx, "world", store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			if err != nil || section == nil || len(list.Items) == 0 {
				return 0, err
			}
			return 1, nil
		}, "(category_id=?"},
		// A reader's author page reads the author index in order, and the
		// articles by id, with the author's own row beside them.
		{"author page", func() (int, error) {
			author, list, err := st.AuthorPage(ctx, demoAuthor.Slug, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			if err != nil || author == nil || len(list.Items) == 0 {
				return 0, err
			}
			return 1, nil
		}, "(rowid=?)"},
		// So does a reader's tag page, through the tag index.
		{"tag page", func() (int, error) {
			tag, list, err := st.TagPage(ctx, "north-korea", store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true, Total: true})
			if err != nil || tag == nil || len(list.Items) == 0 {
				return 0, err
			}
			return 1, nil
		}, "(rowid=?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sql, args = "", nil
			if n, err := tc.lookup(); err != nil || n != 1 {
				t.Fatalf("lookup: %v, %d found", err, n)
			}
			if sql == "" {
				t.Fatal("the lookup's statement was not seen")
			}
			rows, err := db.SQL().QueryContext(ctx, "EXPLAIN QUERY PLAN "+sql, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var plan []string
			for rows.Next() {
				var id, parent, notUsed int
				var detail string
				if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			// SEARCH by what is looked up; not SCAN (every row), nor SEARCH
			// by the readers' range (every published article).
			searched := false
			for _, step := range plan {
				searched = searched || strings.HasPrefix(step, "SEARCH articles") && strings.Contains(step, tc.search)
				if strings.HasPrefix(step, "SCAN articles") || strings.HasPrefix(step, "SCAN candidate") {
					t.Errorf("the lookup reads every article: %q\n  %s", plan, sql)
				}
			}
			if !searched {
				t.Errorf("the lookup does not search articles %s: %q\n  %s", tc.search, plan, sql)
			}
			// The owner pages' rows come from their archive index, in order.
			if ix := map[string]string{"author page": "ix_author_articles_page", "tag page": "ix_tag_articles_page"}[tc.name]; ix != "" &&
				!slices.ContainsFunc(plan, func(step string) bool { return strings.Contains(step, "COVERING INDEX "+ix+" ") }) {
				t.Errorf("the %s does not read %s: %q\n  %s", tc.name, ix, plan, sql)
			}
			t.Logf("plan: %q", plan)
		})
	}
}

// The related read runs on every article page that shows related
// articles. Ranked with the articles' TEXT columns, MariaDB kept the
// candidates in two on-disk (Aria) temporary tables per call; ranked by id
// alone, none.
func TestRelatedReadKeepsNoDiskTableOnMySQL(t *testing.T) {
	db := dbtest.Open(t, dbconn.MySQL)
	ctx := context.Background()
	svc := content.New(content.StorageOf(store.New(db)))
	if err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	if err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, 200, demo.SyntheticOptions{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	// One connection: the session's counters are those of the statement.
	db.SQL().SetMaxOpenConns(1)
	diskTables := func() int {
		var name string
		var n int
		if err := db.SQL().QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Created_tmp_disk_tables'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	st := store.New(db)
	// The service's clock, to the database's precision: a literal with
	// nanoseconds (more digits than DATETIME(6) keeps) made MariaDB keep a
	// page's ranking on disk too.
	reader := store.Readers(time.Now().UTC().Truncate(time.Microsecond))
	list, err := st.ListArticles(ctx, store.ArticleFilter{Visibility: reader}, models.SortPublishedAt, page.Request{First: 20, Desc: true})
	if err != nil || len(list.Items) < 20 {
		t.Fatalf("a page of articles: %v", err)
	}
	ids := make([]uint64, len(list.Items))
	for i, a := range list.Items {
		ids[i] = a.ID
	}
	// Statistics decide MariaDB's join order: InnoDB recounts a table in
	// the background once a tenth of it changed, so a server meets both
	// the counts of a freshly seeded archive and those of ANALYZE TABLE.
	// With the latter, a related read that let MariaDB choose started from
	// a full scan of articles and sorted whole rows on disk (CI saw it).
	for _, stats := range []string{"as seeded", "analyzed"} {
		if stats == "analyzed" {
			if _, err := db.SQL().ExecContext(ctx, "ANALYZE TABLE articles, article_related, article_related_candidates"); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			name string
			ids  []uint64
		}{{"one article", ids[:1]}, {"a page", ids}} {
			t.Run(stats+"/"+tc.name, func(t *testing.T) {
				related := func() {
					got, err := st.RelatedByArticleIDs(ctx, reader, tc.ids, 5)
					if err != nil {
						t.Fatal(err)
					}
					if len(got[tc.ids[0]]) == 0 {
						t.Fatalf("no related articles for %d: nothing was ranked", tc.ids[0])
					}
				}
				// The session's first run may open a table of its own; the
				// steady state is what every page pays.
				related()
				before := diskTables()
				related()
				related()
				if n := diskTables() - before; n != 0 {
					t.Errorf("two related reads made %d on-disk temporary tables", n)
				}
			})
		}
	}
}
