package feeds

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
)

// BenchmarkSitemapStream writes article sitemaps of 1,000 to 1,000,000
// synthetic rows (handed over one at a time and reused, as the store's
// Rows() loop does) to io.Discard. It reports, per URL, the bytes written
// and the allocations made, and the largest live heap seen while
// streaming: all three stay flat as the archive grows, because nothing
// is kept from one row to the next. Figures: docs/distribution.md.
func BenchmarkSitemapStream(b *testing.B) {
	h := &Handler{opts: Options{MaxURLs: 1 << 30, MaxBytes: 1 << 50, Logger: slog.New(slog.DiscardHandler)},
		links: links{permalink.MustNew("https://news.example.com", "")}, name: "The Daily", language: "en"}
	// Slugs and covers as the database would return them: fresh strings.
	slugs := make([]string, 1000)
	covers := make([]string, len(slugs))
	for i := range slugs {
		slugs[i] = "a-headline-of-average-length-about-the-news-of-the-day-" + strconv.Itoa(i)
		covers[i] = "https://cdn.news.example.com/images/2024/11/" + strconv.Itoa(i) + "-cover.jpg"
	}
	start := time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("urls=%d", n), func(b *testing.B) {
			var peak uint64
			each := func(fn func(*content.SitemapArticle) error) error {
				var a content.SitemapArticle
				var ms runtime.MemStats
				for i := range n {
					a.ID, a.Slug, a.SectionSlug = uint64(i+1), slugs[i%len(slugs)], "world"
					a.PublishedAt = start.Add(time.Duration(i) * time.Second)
					a.UpdatedAt, a.CoverURL = a.PublishedAt, ""
					if i%2 == 0 {
						a.CoverURL = covers[i%len(covers)]
					}
					if err := fn(&a); err != nil {
						return err
					}
					if i%(n/10) == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
				return nil
			}
			cw := &countingWriter{w: io.Discard}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for b.Loop() {
				h.streamArticles(context.Background(), cw, false, each)
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			urls := float64(b.N) * float64(n)
			b.ReportMetric(float64(cw.n)/urls, "B-written/url")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/urls, "allocs/url")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/urls, "B-alloc/url")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
