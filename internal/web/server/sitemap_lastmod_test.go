package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
)

// TestSitemapLastModifiedMovesWhenArticleLeaves: a client holding a
// sitemap's Last-Modified (If-Modified-Since, no ETag) gets the new
// document, not a 304, once an article leaves it, by unpublishing or
// deletion, although no article it still lists changed.
func TestSitemapLastModifiedMovesWhenArticleLeaves(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		f := newDistFixture(t, db)
		ctx := content.AsSystem(context.Background(), "test")
		for _, tc := range []struct {
			name, slug string
			paths      []string
			leave      func(id uint64) error
		}{
			{"unpublished", "sanctions-widen", []string{"/sitemaps/articles-2026-01.xml", "/sitemap.xml"}, func(id uint64) error {
				_, err := f.svc.UnpublishArticle(ctx, id, nil)
				return err
			}},
			{"deleted", "overnight-vote", []string{"/sitemaps/articles-2026-03.xml", "/sitemap.xml"}, func(id uint64) error {
				_, err := f.svc.DeleteArticle(ctx, id)
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := map[string]string{}
				for _, p := range tc.paths {
					res, _ := f.get(t, p)
					if res.StatusCode != http.StatusOK || res.Header.Get("Last-Modified") == "" {
						t.Fatalf("%s: %d, Last-Modified %q", p, res.StatusCode, res.Header.Get("Last-Modified"))
					}
					before[p] = res.Header.Get("Last-Modified")
				}
				// Past the fixture's own writes: GORM stamps updated_at with
				// the real time, deleted_at comes from the service's clock.
				// HTTP dates have whole seconds: the change must be in a
				// later one than the copy the client holds.
				f.clock.Advance(time.Since(f.clock.Now()) + time.Hour)
				held, _ := http.ParseTime(before[tc.paths[0]])
				wait.Until(t, "the next second", func() bool { return time.Now().Truncate(time.Second).After(held) })
				if err := tc.leave(f.ids[tc.slug]); err != nil {
					t.Fatal(err)
				}
				for _, p := range tc.paths {
					res, _ := f.get(t, p, "If-Modified-Since", before[p])
					if res.StatusCode == http.StatusNotFound {
						continue // the month's last article left: the sitemap is gone
					}
					if res.StatusCode != http.StatusOK {
						t.Errorf("%s with If-Modified-Since %s after %s left it: %d, want 200 (%v)", p, before[p], tc.slug, res.StatusCode, res.Header)
						continue
					}
					was, _ := http.ParseTime(before[p])
					now, err := http.ParseTime(res.Header.Get("Last-Modified"))
					if err != nil || !now.After(was) {
						t.Errorf("%s: Last-Modified %q, want later than %s", p, res.Header.Get("Last-Modified"), before[p])
					}
				}
			})
		}
	})
}
