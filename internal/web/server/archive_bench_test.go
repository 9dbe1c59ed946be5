package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

// authorPage is the harness's author page (cmd/broadsheet-bench), its
// author answered under "owner".
const authorPage = `query Author($slug: String!) { owner: author(slug: $slug) { name jobTitle bio avatarUrl articles(first: 20) { nodes { title slug publishedAt } totalCount } } }`

// tagPage is a tag page: the tag and its latest 20 articles, with their total.
const tagPage = `query Tag($slug: String!) { owner: tag(slug: $slug) { name articles(first: 20) { nodes { title slug publishedAt } totalCount } } }`

// An archiveOwner is what owns an archive of articles: an author or a tag.
type archiveOwner struct {
	name  string
	query string // the owner's page; its owner field answers under "owner"
	// create makes the owner with slug, and link its links to articles.
	create func(ctx context.Context, st *store.Store, slug string) (uint64, error)
	link   func(ids []uint64, owner uint64) ([]models.ArticleAuthor, []models.ArticleTag)
}

var (
	archiveAuthor = archiveOwner{"author", authorPage,
		func(ctx context.Context, st *store.Store, slug string) (uint64, error) {
			au := &models.Author{Slug: slug, Name: "Author " + slug, JobTitle: "Columnist", Bio: "Writes."}
			if err := st.CreateAuthor(ctx, au); err != nil {
				return 0, err
			}
			return au.ID, nil
		},
		func(ids []uint64, owner uint64) ([]models.ArticleAuthor, []models.ArticleTag) {
			links := make([]models.ArticleAuthor, len(ids))
			for i, id := range ids {
				links[i] = models.ArticleAuthor{ArticleID: id, AuthorID: owner}
			}
			return links, nil
		}}
	archiveTag = archiveOwner{"tag", tagPage,
		func(ctx context.Context, st *store.Store, slug string) (uint64, error) {
			tags, err := st.EnsureTags(ctx, []string{slug}, []string{"Tag " + slug})
			if err != nil {
				return 0, err
			}
			return tags[0].ID, nil
		},
		func(ids []uint64, owner uint64) ([]models.ArticleAuthor, []models.ArticleTag) {
			links := make([]models.ArticleTag, len(ids))
			for i, id := range ids {
				links[i] = models.ArticleTag{ArticleID: id, TagID: owner}
			}
			return nil, links
		}}
)

// seedArchive links an owner (slug) with n published articles (titles
// and slugs of one length whatever n, so that answers differ in nothing
// but their rows), one a day back from now, plus a few an owner's page
// must not show: a draft, a scheduled article, a future-dated one, a
// deleted one and an expired one. The articles are written in bulk
// through the store, as synthetic seeding does.
func seedArchive(tb testing.TB, st *store.Store, o archiveOwner, slug string, n int) {
	tb.Helper()
	ctx := context.Background()
	owner, err := o.create(ctx, st, slug)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	var all []*models.Article
	for i := range n {
		all = append(all, &models.Article{Status: models.StatusPublished, PublishedAt: at(-time.Duration(i+1) * 24 * time.Hour)})
	}
	all = append(all,
		&models.Article{Status: models.StatusDraft},
		&models.Article{Status: models.StatusScheduled, PublishedAt: at(48 * time.Hour)},
		&models.Article{Status: models.StatusPublished, PublishedAt: at(72 * time.Hour)},
		&models.Article{Status: models.StatusPublished, PublishedAt: at(-time.Hour), DeletedAt: at(-time.Minute)},
		&models.Article{Status: models.StatusPublished, PublishedAt: at(-2 * time.Hour), ExpiresAt: at(-time.Minute)},
	)
	for i, a := range all {
		a.Slug = fmt.Sprintf("%s-%05d", slug, i)
		a.Title = fmt.Sprintf("Column %05d of %s", i, slug)
		a.Body, a.BodyHTML, a.BodyText = "Text.", "<p>Text.</p>", "Text."
		a.Locale, a.Version = "en", 1
	}
	for start := 0; start < len(all); start += 500 {
		batch := all[start:min(start+500, len(all))]
		err := st.Tx(ctx, func(tx *store.Store) error {
			if err := tx.InsertArticles(ctx, batch); err != nil {
				return err
			}
			ids := make([]uint64, len(batch))
			for i, a := range batch {
				ids[i] = a.ID
			}
			authors, tags := o.link(ids, owner)
			return tx.InsertArticleLinks(ctx, authors, tags)
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkAuthorPage measures the author page for an author of 20 and
// one of 5,000 articles over HTTP, with the response cache off: an author
// page must not grow with the archive. Besides ns/op it reports the
// process's CPU time per request (server and client, from getrusage), on
// MariaDB the database server's (from /proc), and SQL statements per
// request.
//
//	go test ./internal/web/server -run '^$' -bench 'AuthorPage|TagPage' -benchmem
func BenchmarkAuthorPage(b *testing.B) { benchmarkArchive(b, archiveAuthor) }

// BenchmarkTagPage is BenchmarkAuthorPage for a tag of 20 and one of
// 5,000 articles: a tag page must not grow with the archive either.
func BenchmarkTagPage(b *testing.B) { benchmarkArchive(b, archiveTag) }

func benchmarkArchive(b *testing.B, o archiveOwner) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			s := testserver.New(b, db, nil, func(c *server.Config) { c.DisableResponseCache = true })
			st := store.New(db)
			sizes := []int{20, 5000}
			slug := func(n int) string { return fmt.Sprintf("%s-%05d", o.name, n) }
			for _, n := range sizes {
				seedArchive(b, st, o, slug(n), n)
			}
			for _, n := range sizes {
				b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
					req := testserver.Request{Query: o.query, Variables: map[string]any{"slug": slug(n)}}
					var out struct {
						Owner struct {
							Articles struct {
								Nodes      []struct{ Slug string }
								TotalCount int
							}
						}
					}
					s.MustData(b, req, &out)
					if len(out.Owner.Articles.Nodes) != 20 || out.Owner.Articles.TotalCount != n {
						b.Fatalf("%s page: %d nodes of %d, want 20 of %d", o.name, len(out.Owner.Articles.Nodes), out.Owner.Articles.TotalCount, n)
					}
					var stmts int64
					b.ReportAllocs()
					cpu0, db0 := cpuTime(), dbServerCPU(d)
					b.ResetTimer()
					for b.Loop() {
						r := s.Do(b, req)
						if len(r.Errors) > 0 {
							b.Fatal(r)
						}
						stmts += r.Statements
					}
					b.StopTimer()
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
					if db0 >= 0 {
						b.ReportMetric(float64(dbServerCPU(d)-db0)/float64(b.N), "db-cpu-ns/op")
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "sql/op")
				})
			}
		})
	}
}

// dbServerCPU is the CPU time the MariaDB (or MySQL) server on this
// machine has used, from /proc in clock ticks of 10 ms; -1 for SQLite
// (in this process) or when no server process is found. Other sessions
// using the same server add to it.
func dbServerCPU(d dbconn.Dialect) time.Duration {
	if d != dbconn.MySQL {
		return -1
	}
	dirs, _ := os.ReadDir("/proc")
	for _, e := range dirs {
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || (strings.TrimSpace(string(comm)) != "mariadbd" && strings.TrimSpace(string(comm)) != "mysqld") {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			return -1
		}
		// The fields after the command name (which ends at the last ')'):
		// utime and stime are the 12th and 13th.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			return -1
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(ut+st) * 10 * time.Millisecond
	}
	return -1
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
