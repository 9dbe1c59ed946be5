package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// TestDistributionConditionalGET: every feed and sitemap carries an
// ETag, Last-Modified, a public Cache-Control and surrogate keys, and
// answers 304 to a client whose copy is current.
func TestDistributionConditionalGET(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		for _, path := range []string{"/feed.xml", "/sections/world/feed.atom", "/tags/russia/feed.json", "/authors/ana-lima/feed.xml",
			"/sitemap.xml", "/sitemaps/articles-2026-01.xml", "/sitemaps/sections.xml", "/sitemaps/tags.xml",
			"/sitemaps/authors.xml", "/sitemap-news.xml"} {
			res, body := f.get(t, path)
			etag, lastMod := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
			if res.StatusCode != http.StatusOK || etag == "" || lastMod == "" ||
				!strings.HasPrefix(res.Header.Get("Cache-Control"), "public, max-age=") ||
				!strings.Contains(" "+res.Header.Get("Surrogate-Key")+" ", " "+cachekey.Articles+" ") {
				t.Fatalf("%s: status %d, headers %v: %.200s", path, res.StatusCode, res.Header, body)
			}
			for _, h := range [][]string{{"If-None-Match", etag}, {"If-None-Match", `"other", ` + etag}, {"If-Modified-Since", lastMod}} {
				res, body := f.get(t, path, h...)
				if res.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("%s with %s: status %d, %d bytes", path, h[0], res.StatusCode, len(body))
				}
			}
			if res, _ := f.get(t, path, "If-None-Match", `"stale"`); res.StatusCode != http.StatusOK {
				t.Errorf("%s with a stale ETag: status %d", path, res.StatusCode)
			}
		}
		// A feed names each article it shows, for a CDN's purge.
		res, _ := f.get(t, "/feed.xml")
		if keys := " " + res.Header.Get("Surrogate-Key") + " "; !strings.Contains(keys, " "+cachekey.Article(f.ids["talks-resume"])+" ") {
			t.Errorf("Surrogate-Key %q does not name article %d", keys, f.ids["talks-resume"])
		}
	})
}

// TestFeedPurgedOnChange: a feed is served from the response cache until
// an article in it changes; then readers get the change at once.
func TestFeedPurgedOnChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		const path = "/feed.json"
		res1, body1 := f.get(t, path)
		hits := cacheHits(t, f)
		res2, body2 := f.get(t, path)
		if cacheHits(t, f) != hits+1 || string(body1) != string(body2) || res1.Header.Get("ETag") != res2.Header.Get("ETag") {
			t.Fatalf("the second request was not a response-cache hit (hits %d → %d)", hits, cacheHits(t, f))
		}
		newsRes, _ := f.get(t, "/sitemap-news.xml")

		title := "Talks resume after a night of shuttle diplomacy"
		ctx := content.AsSystem(context.Background(), "test")
		if _, err := f.svc.UpdateArticle(ctx, f.ids["talks-resume"], content.ArticleChanges{Title: &title}, nil); err != nil {
			t.Fatal(err)
		}
		res3, body3 := f.get(t, path, "If-None-Match", res1.Header.Get("ETag"))
		if res3.StatusCode != http.StatusOK || !strings.Contains(string(body3), title) || res3.Header.Get("ETag") == res1.Header.Get("ETag") {
			t.Errorf("after the change: status %d, ETag %q (was %q): %.300s", res3.StatusCode, res3.Header.Get("ETag"), res1.Header.Get("ETag"), body3)
		}
		res4, body4 := f.get(t, "/sitemap-news.xml", "If-None-Match", newsRes.Header.Get("ETag"))
		if res4.StatusCode != http.StatusOK || !strings.Contains(string(body4), title) {
			t.Errorf("news sitemap after the change: status %d: %.300s", res4.StatusCode, body4)
		}

		// A correction is part of the item: in the full body and in
		// JSON Feed's extension, at once.
		f.get(t, path+"?full=1")
		note := "An earlier version misnamed the venue."
		if _, err := f.svc.AddCorrection(ctx, f.ids["talks-resume"], note); err != nil {
			t.Fatal(err)
		}
		_, body5 := f.get(t, path+"?full=1")
		var doc struct {
			Items []struct {
				ID          string `json:"id"`
				ContentHTML string `json:"content_html"`
				Ext         struct {
					Corrections []struct{ At, Text string } `json:"corrections"`
				} `json:"_broadsheet"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body5, &doc); err != nil {
			t.Fatal(err)
		}
		it := doc.Items[0] // talks-resume is the newest
		if len(it.Ext.Corrections) != 1 || it.Ext.Corrections[0].Text != note || !strings.Contains(it.ContentHTML, `<aside class="corrections">`) ||
			!strings.Contains(it.ContentHTML, note) {
			t.Errorf("after a correction: %+v", it)
		}
	})
}

// An article taken down at a set time (unpublishArticle with at) leaves
// the feeds at that time, though no purge has run yet: the cached feed
// that shows it is not served past its expiresAt.
func TestFeedForgetsTakenDownArticle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		const path = "/feed.json"
		ctx := content.AsSystem(context.Background(), "test")
		at := f.clock.Now().Add(time.Hour)
		if _, err := f.svc.UnpublishArticle(ctx, f.ids["talks-resume"], &at); err != nil {
			t.Fatal(err)
		}
		if _, body := f.get(t, path); !strings.Contains(string(body), "talks-resume") {
			t.Fatalf("before its take-down the feed lacks the article: %.300s", body)
		}
		f.clock.Advance(2 * time.Hour)
		if _, body := f.get(t, path); strings.Contains(string(body), "talks-resume") {
			t.Errorf("after its take-down time the feed still shows the article: %.300s", body)
		}
	})
}

// cacheHits reads the response cache's hit counter from /metrics.
func cacheHits(t *testing.T, f *distFixture) int {
	t.Helper()
	rec := httptest.NewRecorder()
	f.s.Handler.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "broadsheet_response_cache_hits_total "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
	}
	t.Fatal("no broadsheet_response_cache_hits_total in /metrics")
	return 0
}

// TestDistributionThroughMiddleware: feeds and sitemaps meet the same
// request policy as /graphql: request ids, the rate limit per client
// address (shared with GraphQL requests).
func TestDistributionThroughMiddleware(t *testing.T) {
	t.Parallel()
	f := newDistFixture(t, dbtest.Open(t, dbconn.SQLite), func(c *server.Config) {
		c.RateLimit = ratelimit.Options{PerAddress: ratelimit.Limit{Rate: 0.001, Burst: 2}}
	})
	res, _ := f.get(t, "/feed.xml")
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("first request: status %d, request id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
	}
	if r := f.s.Do(t, testserver.Request{Query: "{ categories { slug } }"}); r.Status != http.StatusOK {
		t.Fatalf("GraphQL request: %s", r)
	}
	res, body := f.get(t, "/sitemap.xml")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("third request from the address: status %d: %s", res.StatusCode, body)
	}
}

// TestSitemapsCappedByTakeDown: a sitemap naming an article with a
// take-down time is kept by shared caches no longer than a feed naming it
// (max-age capped at the time left, no stale-while-revalidate), as the
// README promises for every cached answer showing such an article: a CDN
// must not list a taken-down page for minutes after its second.
func TestSitemapsCappedByTakeDown(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		month := "/sitemaps/articles-" + distNow.Add(-2*time.Hour).Format("2006-01") + ".xml"
		paths := []string{"/sitemap.xml", month, "/sitemap-news.xml", "/sitemaps/tags.xml", "/sitemaps/sections.xml"}
		for _, p := range paths {
			if res, _ := f.get(t, p); !strings.Contains(res.Header.Get("Cache-Control"), "stale-while-revalidate") {
				t.Fatalf("%s before any take-down: Cache-Control %q, want the public policy", p, res.Header.Get("Cache-Control"))
			}
		}
		ctx := content.AsSystem(context.Background(), "test")
		at := f.clock.Now().Add(time.Hour)
		if _, err := f.svc.UnpublishArticle(ctx, f.ids["talks-resume"], &at); err != nil {
			t.Fatal(err)
		}
		feed, _ := f.get(t, "/feed.json")
		want := feed.Header.Get("Cache-Control")
		if strings.Contains(want, "stale-while-revalidate") {
			t.Fatalf("the feed's Cache-Control %q is not capped", want)
		}
		for _, p := range paths {
			res, body := f.get(t, p)
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != want {
				t.Errorf("%s with a take-down pending: %d, Cache-Control %q, want %q as the feed (%.200s)", p, res.StatusCode, res.Header.Get("Cache-Control"), want, body)
			}
		}
	})
}
