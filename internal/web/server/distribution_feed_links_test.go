package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestFeedBodiesHaveAbsoluteLinks: a feed's full content is read away
// from the site (feed readers, newsletter tools), where a site path such
// as the seed article's "Read also" link (/articles/SLUG) leads nowhere.
// Every link and picture in full bodies is absolute on --public-url, in
// each format.
func TestFeedBodiesHaveAbsoluteLinks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, testPublication(""))
		for _, p := range []string{"/feed.xml", "/feed.atom", "/feed.json"} {
			res, err := http.Get(s.URL + p + "?full=1&limit=100")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			f, err := gofeed.NewParser().ParseString(string(body))
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			readAlso := false
			for _, it := range f.Items {
				for _, bad := range []string{`href="/`, `src="/`} {
					if strings.Contains(it.Content, bad) {
						t.Errorf("%s: %q has a site-relative link (%s…): %.200s", p, it.Title, bad, it.Content[strings.Index(it.Content, bad):])
					}
				}
				readAlso = readAlso || strings.Contains(it.Content, `href="https://news.example.com/articles/`)
			}
			if !readAlso {
				t.Errorf("%s: no item has the seed article's Read also link on the public URL", p)
			}
		}
	})
}
