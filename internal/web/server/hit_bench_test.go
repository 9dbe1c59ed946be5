package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// BenchmarkCacheHit measures the handler alone (no network) answering a
// reader's GET from the response cache: what a hot page costs the server.
func BenchmarkCacheHit(b *testing.B) {
	s := testserver.WithDemo(b, dbtest.Open(b, dbconn.SQLite))
	target := "/graphql?" + url.Values{"query": {`query Home { articles(first: 20) { nodes { id title slug excerpt publishedAt authors { name slug } category { name slug } tags { name slug } } } }`}}.Encode()
	warm := httptest.NewRecorder()
	s.Handler.ServeHTTP(warm, httptest.NewRequest(http.MethodGet, target, nil))
	if warm.Code != 200 {
		b.Fatalf("warm-up: %d %s", warm.Code, warm.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
