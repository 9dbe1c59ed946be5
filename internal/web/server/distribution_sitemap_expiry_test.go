package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestSitemapsBoundCachingByTakeDown: a sitemap that lists an article
// taken down at a set time (unpublishArticle with at) tells shared caches
// to keep it no longer than that time, as feeds do: no purge runs at that
// second, and the default max-age plus stale-while-revalidate would keep
// a taken-down story in the Google News sitemap minutes after it left
// the site. A sitemap without such an article keeps the default policy.
func TestSitemapsBoundCachingByTakeDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		month := "/sitemaps/articles-" + f.clock.Now().Format("2006-01") + ".xml"
		paths := []string{"/sitemap-news.xml", month, "/sitemap.xml"}
		def := map[string]string{}
		for _, p := range paths {
			res, body := f.get(t, p)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "talks-resume") && p != "/sitemap.xml" {
				t.Fatalf("%s: %d %.300s", p, res.StatusCode, body)
			}
			def[p] = res.Header.Get("Cache-Control")
			if !strings.Contains(def[p], "stale-while-revalidate") {
				t.Fatalf("%s without a take-down: Cache-Control %q, want the default policy", p, def[p])
			}
		}
		ctx := content.AsSystem(context.Background(), "test")
		at := f.clock.Now().Add(10 * time.Minute)
		if _, err := f.svc.UnpublishArticle(ctx, f.ids["talks-resume"], &at); err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			res, _ := f.get(t, p)
			cc := res.Header.Get("Cache-Control")
			if cc == "no-store" {
				continue
			}
			age, ok := strings.CutPrefix(cc, "public, max-age=")
			if n, err := strconv.Atoi(age); !ok || err != nil || n > 600 {
				t.Errorf("%s lists an article taken down in 10 minutes: Cache-Control %q, want at most max-age=600 and no stale-while-revalidate", p, cc)
			}
		}
	})
}
