package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// The uncached read scenarios of cmd/broadsheet-bench (scenarios.go), word
// for word: what BenchmarkHotPath measures and TestHotPathGolden pins down.
const (
	hotHome    = `query Home { articles(first: 20) { nodes { id title slug excerpt publishedAt authors { name slug } category { name slug } tags { name slug } } } }`
	hotPage    = `query Article($slug: String!) { article(slug: $slug) { id title subtitle bodyHtml publishedAt readingTimeMinutes coverImage { url alt caption credit } authors { name slug jobTitle avatarUrl } category { name slug } tags { name slug } } }`
	hotSection = `query Section($slug: String!) { category(slug: $slug) { name description articles(first: 20) { edges { cursor node { title slug excerpt publishedAt authors { name } } } pageInfo { hasNextPage endCursor } totalCount } } }`
	hotAuthor  = `query Author($slug: String!) { author(slug: $slug) { name jobTitle bio avatarUrl articles(first: 20) { nodes { title slug publishedAt } totalCount } } }`
	hotRelated = `query Related($slug: String!) { article(slug: $slug) { title related(first: 5) { title slug excerpt authors { name } } } }`
)

// hotScenario is one GET request of the hot path.
type hotScenario struct {
	name   string
	target string // path and query string
}

// hotScenarios builds the five uncached read requests against s: the slugs
// are those of the newest article, its first author and its section.
func hotScenarios(tb testing.TB, s *testserver.Server) []hotScenario {
	tb.Helper()
	var top struct {
		Articles struct {
			Nodes []struct {
				Slug     string
				Authors  []struct{ Slug string }
				Category struct{ Slug string }
			}
		}
	}
	s.MustData(tb, testserver.Request{Query: `{ articles(first: 1) { nodes { slug authors { slug } category { slug } } } }`}, &top)
	a := top.Articles.Nodes[0]
	get := func(query, slug string) string {
		q := url.Values{"query": {query}}
		if slug != "" {
			v, _ := json.Marshal(map[string]any{"slug": slug})
			q.Set("variables", string(v))
		}
		return "/graphql?" + q.Encode()
	}
	return []hotScenario{
		{"homepage", get(hotHome, "")},
		{"article", get(hotPage, a.Slug)},
		{"section", get(hotSection, a.Category.Slug)},
		{"author", get(hotAuthor, a.Authors[0].Slug)},
		{"related", get(hotRelated, a.Slug)},
	}
}

// serveHot runs one request through the handler alone (no network) and
// returns the body and the SQL statements it ran.
func serveHot(tb testing.TB, s *testserver.Server, target string) ([]byte, int64) {
	c := &dbconn.StatementCounter{}
	r := httptest.NewRequestWithContext(dbconn.WithStatementCounter(context.Background(), c), http.MethodGet, target, nil)
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", target, w.Code, w.Body)
	}
	return w.Body.Bytes(), c.Count()
}

// BenchmarkHotPath measures the server's CPU per uncached read, handler
// alone, for the harness's homepage, article, section, author and related
// requests (demo content plus 2,000 synthetic articles, response cache off).
func BenchmarkHotPath(b *testing.B) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) {
			s := benchServer(b, string(d))
			// The seeding's background work (the search index, events) is
			// done before the first measurement: the CPU figure is the
			// process's, and would otherwise charge it to the homepage.
			waitIdle(b)
			for _, sc := range hotScenarios(b, s) {
				b.Run(sc.name, func(b *testing.B) {
					for range 50 { // warm caches and connections
						serveHot(b, s, sc.target)
					}
					var stmts int64
					b.ReportAllocs()
					cpu, started := processCPU(), goroutinesCreated()
					for b.Loop() {
						_, n := serveHot(b, s, sc.target)
						stmts += n
					}
					b.ReportMetric(float64(stmts)/float64(b.N), "sql/op")
					// gqlgen starts one per concurrent field and list item: each
					// costs a stack that grows as it resolves.
					b.ReportMetric(float64(goroutinesCreated()-started)/float64(b.N), "goroutines/op")
					// The process's user and system time per request: on a
					// shared machine a steadier figure than ns/op, and on MySQL
					// it leaves out the database server's share as the
					// harness's server CPU column does.
					b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
				})
			}
		})
	}
}

// processCPU is the user plus system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// goroutinesCreated is the number of goroutines the process has started.
func goroutinesCreated() uint64 {
	m := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(m)
	if m[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return m[0].Value.Uint64()
}

// waitIdle waits (at most 60 s) until the process uses under 2% of a CPU
// over half a second.
func waitIdle(tb testing.TB) {
	const window = 500 * time.Millisecond
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		before := processCPU()
		time.Sleep(window)
		if processCPU()-before < window/50 {
			return
		}
	}
	tb.Log("the process did not go idle within a minute; CPU figures include its background work")
}
