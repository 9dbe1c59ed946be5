package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestLiveBlogFeedsShowReadersOnly: a live blog's feed is what a reader
// sees whatever token asks, like the article feeds. An editor polling the
// feed of a draft's (embargoed) live blog must neither see it nor put it
// in the shared response cache, from which anonymous readers (and, by its
// public Cache-Control, CDNs) would then be served the embargoed entries.
func TestLiveBlogFeedsShowReadersOnly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "embargo-desk", auth.Editor)
		draft := create(t, s.Server, editor, map[string]any{"title": "Embargoed summit live"}).Article
		gqlData(t, s.Server, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": draft.ID}, &map[string]any{})
		postEntry(t, s.Server, editor, draft.ID, "EMBARGOED until Monday.")

		get := func(path, token string) (int, string, string) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header.Get("Cache-Control"), string(b)
		}
		for _, ext := range []string{"json", "xml"} {
			path := "/live/" + draft.Slug + "/feed." + ext
			for _, who := range []struct{ name, token string }{{"editor", editor}, {"reader", ""}} {
				status, cc, body := get(path, who.token)
				if status != http.StatusNotFound || strings.Contains(body, "EMBARGOED") {
					t.Errorf("%s as %s: %d (Cache-Control %q) %s, want 404 without the entry", path, who.name, status, cc, body)
				}
			}
		}
	})
}

// TestLiveBlogFeedsLinkToTheArticlePage: a live blog's feed points readers
// at the article's page on the public site (Article.url, by
// --article-url-pattern), each item at its entry there, and names itself
// on --public-url like the article feeds, not on whatever host the request
// reached (an internal address behind the CDN).
func TestLiveBlogFeedsLinkToTheArticlePage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "links-desk", auth.Editor)
		id := newLiveBlog(t, s.Server, editor, "Election night live")
		entry := postEntry(t, s.Server, editor, id, "Polls close.").Entry.ID
		var out struct{ Node struct{ URL, Slug string } }
		gqlData(t, s.Server, editor, `query($id: ID!) { node(id: $id) { ... on Article { url slug } } }`, map[string]any{"id": id}, &out)
		page := out.Node.URL
		if !strings.HasPrefix(page, "http") {
			t.Fatalf("article url %q", page)
		}
		res, err := http.Get(s.URL + "/live/" + out.Node.Slug + "/feed.json")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var jf struct {
			HomePageURL string `json:"home_page_url"`
			FeedURL     string `json:"feed_url"`
			Items       []struct{ URL string }
		}
		if err := json.NewDecoder(res.Body).Decode(&jf); err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(page, "/"+strings.SplitN(strings.SplitN(page, "://", 2)[1], "/", 2)[1])
		if jf.HomePageURL != page || len(jf.Items) != 1 || jf.Items[0].URL != page+"#"+entry ||
			jf.FeedURL != base+"/live/"+out.Node.Slug+"/feed.json" {
			t.Errorf("home %q, feed %q, items %+v; want home %q, items at %q#ENTRY, feed on %q", jf.HomePageURL, jf.FeedURL, jf.Items, page, page, base)
		}
	})
}
