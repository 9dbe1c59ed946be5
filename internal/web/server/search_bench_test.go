package server_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// Search and related benchmarks, real HTTP on loopback, each reporting
// p50/p99 latency and SQL statements per request:
//
//	go test ./internal/server -run '^$' -bench 'Search|Related' -benchtime 200x
//
// They seed the demo content plus BROADSHEET_BENCH_ARTICLES synthetic
// articles (default 2000) into fresh databases. To measure a large
// database seeded once with the CLI, point BROADSHEET_BENCH_MYSQL (and/or
// BROADSHEET_BENCH_SQLITE) at it:
//
//	broadsheet seed --demo --db mysql://root@127.0.0.1:3306/bench100k
//	broadsheet seed --synthetic 100000 --db mysql://root@127.0.0.1:3306/bench100k
//	BROADSHEET_BENCH_MYSQL=mysql://root@127.0.0.1:3306/bench100k go test ./internal/server -run '^$' -bench 'Search|Related/mysql'

func searchBenchServer(b *testing.B, d dbconn.Dialect) *testserver.Server {
	b.Helper()
	env := map[dbconn.Dialect]string{dbconn.MySQL: "BROADSHEET_BENCH_MYSQL", dbconn.SQLite: "BROADSHEET_BENCH_SQLITE"}[d]
	if url := os.Getenv(env); url != "" {
		db, err := dbconn.Open(context.Background(), url, dbconn.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		return testserver.New(b, db, nil)
	}
	n := 2000
	if v := os.Getenv("BROADSHEET_BENCH_ARTICLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("BROADSHEET_BENCH_ARTICLES: %v", err)
		}
	}
	s := testserver.WithDemo(b, dbtest.Open(b, d))
	if err := demo.Synthetic(context.Background(), demo.StorageOf(store.New(s.DB)), s.Content, n, demo.SyntheticOptions{Seed: 42}); err != nil {
		b.Fatal(err)
	}
	return s
}

// latencies records each request's duration and reports percentiles.
type latencies struct {
	d     []time.Duration
	stmts int64
}

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	pct := func(p float64) float64 {
		return float64(l.d[min(len(l.d)-1, int(p*float64(len(l.d))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	if l.stmts > 0 {
		b.ReportMetric(float64(l.stmts)/float64(len(l.d)), "sql/op")
	}
}

func runRequests(b *testing.B, s *testserver.Server, req testserver.Request, check func(*testserver.Response)) {
	b.Helper()
	var l latencies
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		r := s.Do(b, req)
		l.d = append(l.d, time.Since(start))
		if len(r.Errors) > 0 {
			b.Fatal(r)
		}
		if check != nil {
			check(r)
		}
		l.stmts += r.Statements
	}
	b.StopTimer()
	l.report(b)
}

// BenchmarkSearch measures a page of 20 results with snippets, authors and
// the total, for queries from selective (a few hundred matches in 100,000
// articles) to a word in nearly every article, and a prefix as a reader types.
func BenchmarkSearch(b *testing.B) {
	q := `query($q: String!) { search(query: $q, first: 20) { edges { score snippet node { title slug authors { name } } } totalCount } }`
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			s := searchBenchServer(b, d)
			// Synthetic headlines draw each word from 15, so a headline word
			// is in about 1 in 15 articles; bodies draw from 60 words, so a
			// body word is in nearly every article.
			for _, tc := range []struct{ name, query string }{
				{"two words", "nairobi rail"},
				{"phrase", `"rail link" nairobi`},
				{"one word", "nairobi"},
				{"common word", "climate"},
				{"prefix", "inflat"},
			} {
				b.Run(tc.name, func(b *testing.B) {
					runRequests(b, s, testserver.Request{Query: q, Variables: map[string]any{"q": tc.query}}, func(r *testserver.Response) {
						var got searchResult
						r.Decode(b, &got)
						if len(got.Search.Edges) == 0 {
							b.Fatalf("search %q found nothing", tc.query)
						}
					})
				})
			}
		})
	}
}

// BenchmarkRelated measures an article page with related(first: 5) and a
// list of 20 articles each with related(first: 3) and their authors.
func BenchmarkRelated(b *testing.B) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			s := searchBenchServer(b, d)
			var list struct {
				Articles struct{ Nodes []struct{ Slug string } }
			}
			s.MustData(b, testserver.Request{Query: `{ articles(first: 1) { nodes { slug } } }`}, &list)
			slug := list.Articles.Nodes[0].Slug
			b.Run("article page", func(b *testing.B) {
				q := fmt.Sprintf(`{ article(slug: %q) { title related { title slug authors { name } } } }`, slug)
				runRequests(b, s, testserver.Request{Query: q}, nil)
			})
			b.Run("list of 20", func(b *testing.B) {
				q := `{ articles(first: 20) { nodes { title related(first: 3) { title slug authors { name } } } } }`
				runRequests(b, s, testserver.Request{Query: q}, nil)
			})
		})
	}
}

// BenchmarkRebuildRelated measures recomputing every article's suggestions
// (what the seeders run after bulk inserts).
func BenchmarkRebuildRelated(b *testing.B) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			s := searchBenchServer(b, d)
			for b.Loop() {
				if _, err := s.Content.RebuildRelated(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefreshRelated measures the write-side cost of related articles:
// RefreshRelated on one article (what CreateArticle and the editorial write
// paths run), cycling through the 20 newest articles.
func BenchmarkRefreshRelated(b *testing.B) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			s := searchBenchServer(b, d)
			var ids []uint64
			if err := s.DB.Table("articles").Order("id DESC").Limit(20).Pluck("id", &ids).Error; err != nil {
				b.Fatal(err)
			}
			var l latencies
			i := 0
			for b.Loop() {
				start := time.Now()
				if err := s.Content.RefreshRelated(context.Background(), ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
				l.d = append(l.d, time.Since(start))
				i++
			}
			l.report(b)
		})
	}
}
