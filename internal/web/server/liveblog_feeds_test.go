package server_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestLiveBlogFeeds reads a live blog's JSON Feed and RSS: its entries
// newest first with their corrections and key events, a new post seen at
// once (the cached feed is purged), and 404 for an article that is not a
// live blog or that readers may not see.
func TestLiveBlogFeeds(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "feeds-desk", auth.Editor)
		p := create(t, s.Server, editor, map[string]any{"title": "Summit live", "status": "PUBLISHED"})
		slug := p.Article.Slug
		gqlData(t, s.Server, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": p.Article.ID}, &map[string]any{})
		first := postEntry(t, s.Server, editor, p.Article.ID, "Leaders arrive.").Entry.ID
		second := postEntry(t, s.Server, editor, p.Article.ID, "Talks begin at *noon*.").Entry.ID
		liveMutation(t, s.Server, editor, "$id: ID!, $in: UpdateLiveEntryInput!", "updateLiveEntry(id: $id, input: $in)",
			map[string]any{"id": first, "in": map[string]any{"body": "Leaders arrive late.", "correction": "Arrival time corrected."}})
		liveMutation(t, s.Server, editor, "$id: ID!", "markKeyEvent(id: $id, keyEvent: true)", map[string]any{"id": second})

		get := func(path string) (int, http.Header, []byte) {
			res, err := http.Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header, b
		}
		type jsonFeed struct {
			Version string
			Title   string
			Items   []struct {
				ID          string
				ContentHTML string `json:"content_html"`
				Live        struct {
					KeyEvent   bool    `json:"key_event"`
					Correction *string `json:"correction"`
				} `json:"_live"`
			}
		}
		status, h, body := get("/live/" + slug + "/feed.json")
		var jf jsonFeed
		if err := json.Unmarshal(body, &jf); err != nil || status != 200 {
			t.Fatalf("feed.json: %d %s (%v)", status, body, err)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "application/feed+json") || !strings.Contains(h.Get("Surrogate-Key"), "liveblog:") || h.Get("Cache-Control") != "public, max-age=5, stale-while-revalidate=5" {
			t.Errorf("feed.json headers %v", h)
		}
		if jf.Version != "https://jsonfeed.org/version/1.1" || jf.Title != "Summit live" || len(jf.Items) != 2 ||
			jf.Items[0].ID != second || !jf.Items[0].Live.KeyEvent || !strings.Contains(jf.Items[0].ContentHTML, "<em>noon</em>") ||
			jf.Items[1].ID != first || jf.Items[1].Live.Correction == nil || *jf.Items[1].Live.Correction != "Arrival time corrected." {
			t.Errorf("feed.json = %s", body)
		}

		var rss struct {
			Version string `xml:"version,attr"`
			Channel struct {
				Title string `xml:"title"`
				Items []struct {
					GUID        string   `xml:"guid"`
					Description string   `xml:"description"`
					Categories  []string `xml:"category"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		status, h, body = get("/live/" + slug + "/feed.xml")
		if err := xml.Unmarshal(body, &rss); err != nil || status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/rss+xml") {
			t.Fatalf("feed.xml: %d %v %s (%v)", status, h, body, err)
		}
		if it := rss.Channel.Items; rss.Version != "2.0" || len(it) != 2 || it[0].GUID != second || len(it[0].Categories) != 1 || it[0].Categories[0] != "key-event" ||
			!strings.Contains(it[1].Description, "Arrival time corrected.") {
			t.Errorf("feed.xml = %s", body)
		}

		third := postEntry(t, s.Server, editor, p.Article.ID, "A joint statement.").Entry.ID
		_, _, body = get("/live/" + slug + "/feed.json")
		jf = jsonFeed{}
		json.Unmarshal(body, &jf)
		if len(jf.Items) != 3 || jf.Items[0].ID != third {
			t.Errorf("feed.json after a post = %s", body)
		}

		plain := create(t, s.Server, editor, map[string]any{"title": "Plain story", "status": "PUBLISHED"}).Article
		draft := create(t, s.Server, editor, map[string]any{"title": "Draft live"}).Article
		gqlData(t, s.Server, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": draft.ID}, &map[string]any{})
		for _, path := range []string{"/live/" + plain.Slug + "/feed.json", "/live/" + draft.Slug + "/feed.xml", "/live/no-such-story/feed.json"} {
			if status, _, _ := get(path); status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", path, status)
			}
		}
	})
}
