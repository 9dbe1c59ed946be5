package server_test

import (
	"context"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// benchServer serves the demo content plus 2,000 synthetic articles, with
// the response cache off: these benchmarks measure execution.
func benchServer(b *testing.B, dialect string) *testserver.Server {
	b.Helper()
	for _, d := range dbtest.Engines {
		if string(d) == dialect {
			db := dbtest.Open(b, d)
			s := testserver.New(b, db, nil, func(c *server.Config) { c.DisableResponseCache = true })
			if err := demo.Seed(context.Background(), s.Content); err != nil {
				b.Fatal(err)
			}
			if err := demo.Synthetic(context.Background(), demo.StorageOf(store.New(s.DB)), s.Content, 2000, demo.SyntheticOptions{Seed: 42}); err != nil {
				b.Fatal(err)
			}
			return s
		}
	}
	b.Fatalf("unknown dialect %s", dialect)
	return nil
}

// benchRequest runs req against the benchmark server of each engine.
func benchRequest(b *testing.B, req testserver.Request) {
	for _, d := range dbtest.Engines {
		b.Run(string(d), func(b *testing.B) { benchOn(b, benchServer(b, string(d)), req) })
	}
}

// benchOn runs req against s, reporting allocations and SQL statements
// per request.
func benchOn(b *testing.B, s *testserver.Server, req testserver.Request) {
	var stmts int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := s.Do(b, req)
		if len(r.Errors) > 0 {
			b.Fatal(r)
		}
		stmts += r.Statements
	}
	b.ReportMetric(float64(stmts)/float64(b.N), "sql/op")
}

// BenchmarkArticlePage measures an article page by slug over HTTP.
func BenchmarkArticlePage(b *testing.B) {
	benchRequest(b, testserver.Request{Query: articlePage, Variables: map[string]any{"slug": demo.SeedSlug}})
}

// BenchmarkArticleBlocks measures an article page that asks for its body
// as blocks, the read-also block's article included (the seed article).
func BenchmarkArticleBlocks(b *testing.B) {
	benchRequest(b, testserver.Request{Query: blocksFragment(b) + `query($slug: String!) { article(slug: $slug) { title ...BodyBlocks } }`,
		Variables: map[string]any{"slug": demo.SeedSlug}})
}

// BenchmarkHomepage measures the homepage query (20 articles with authors,
// section and tags, plus the total) over HTTP.
func BenchmarkHomepage(b *testing.B) {
	benchRequest(b, testserver.Request{Query: homepage, Variables: map[string]any{"n": 20}})
}
