package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/models"
)

// BenchmarkSitemapFromSQLite serves one month's article sitemap of 10,000
// and 100,000 rows (the 50,000-URL split lifted, to measure one long
// stream) from SQLite through the handler (the store's Rows()
// loop, the encoder, a response writer that keeps nothing), reporting
// allocations per URL and the largest live heap seen: flat in the number
// of rows. Figures: docs/distribution.md.
func BenchmarkSitemapFromSQLite(b *testing.B) {
	if testing.Short() {
		b.Skip("fills a database")
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("urls=%d", n), func(b *testing.B) {
			db := dbtest.Open(b, dbconn.SQLite)
			st := store.New(db)
			month := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
			for done := 0; done < n; done += 5000 {
				rows := make([]*models.Article, 0, 5000)
				for i := done; i < min(n, done+5000); i++ {
					p := month.Add(time.Duration(i) * 20 * time.Second)
					a := &models.Article{Slug: "a-headline-of-average-length-" + strconv.Itoa(i), Title: "A headline " + strconv.Itoa(i),
						Status: models.StatusPublished, PublishedAt: &p, CreatedAt: p, UpdatedAt: p, Version: 1}
					if i%2 == 0 {
						a.Cover.URL = "https://cdn.news.example.com/images/" + strconv.Itoa(i) + ".jpg"
					}
					rows = append(rows, a)
				}
				if err := st.InsertArticles(context.Background(), rows); err != nil {
					b.Fatal(err)
				}
			}
			svc := content.New(content.StorageOf(st), content.WithPublication(content.Publication{Name: "The Daily", Language: "en",
				Links: permalink.MustNew("https://news.example.com", "")}))
			h := New(Options{Content: svc, MaxURLs: 1 << 30}) // one stream of every row, past the protocol's 50,000
			// The index summarises every month in one grouped query.
			idx := &discardResponse{header: http.Header{}, every: 1 << 30, sample: func() {}}
			began := time.Now()
			h.ServeHTTP(idx, httptest.NewRequest(http.MethodGet, "/sitemap.xml", nil))
			if idx.status != http.StatusOK {
				b.Fatalf("index: status %d", idx.status)
			}
			indexTime := time.Since(began)
			req := httptest.NewRequest(http.MethodGet, "/sitemaps/articles-2024-11.xml", nil)
			var peak uint64
			w := &discardResponse{header: http.Header{}, every: n / 10, sample: func() {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				w.urls = 0
				h.ServeHTTP(w, req)
				if w.status != http.StatusOK || w.urls != n {
					b.Fatalf("status %d, %d URLs, want %d", w.status, w.urls, n)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			urls := float64(b.N) * float64(n)
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/urls, "allocs/url")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/urls, "B-alloc/url")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(indexTime.Milliseconds()), "index-ms")
		})
	}
}

// discardResponse is a ResponseWriter that keeps nothing of the body; it
// counts the <url> entries and samples the heap every so many.
type discardResponse struct {
	header       http.Header
	status, urls int
	every        int
	sample       func()
}

func (d *discardResponse) Header() http.Header { return d.header }
func (d *discardResponse) WriteHeader(s int)   { d.status = s }
func (d *discardResponse) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	for i := 0; i+5 <= len(p); i++ {
		if string(p[i:i+5]) == "<url>" {
			d.urls++
			if d.urls%d.every == 0 {
				d.sample()
			}
		}
	}
	return len(p), nil
}
