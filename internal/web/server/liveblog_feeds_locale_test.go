package server_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestLiveBlogFeedsLocalesAndAddresses: a live blog in a locale other
// than the default has its feeds (slugs are unique per locale, and the
// feed path names none), and a feed's home page and item links are the
// article's public page, not the feed itself or the request's Host.
func TestLiveBlogFeedsLocalesAndAddresses(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		pub := content.Publication{Name: "The Desk", Language: "en",
			Links: permalink.MustNew("https://news.example", "{publicUrl}/{locale}/{section}/{slug}")}
		s := testserver.NewLive(t, db, testserver.LiveOptions{ServiceOptions: []content.Option{trLocales(t), content.WithPublication(pub)}})
		editor := s.Token(t, "feeds-desk", auth.Editor)
		fr := create(t, s.Server, editor, map[string]any{"title": "Élections en direct", "locale": "fr", "status": "PUBLISHED"}).Article
		en := create(t, s.Server, editor, map[string]any{"title": "Elections live", "status": "PUBLISHED"}).Article
		for _, a := range []*articleResult{fr, en} {
			gqlData(t, s.Server, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": a.ID}, &map[string]any{})
		}
		frEntry := postEntry(t, s.Server, editor, fr.ID, "Premiers résultats.").Entry.ID
		postEntry(t, s.Server, editor, en.ID, "First results.")

		get := func(path string) (int, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			req.Host = "internal-replica:8080"
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, b
		}
		var jf struct {
			HomePageURL string `json:"home_page_url"`
			FeedURL     string `json:"feed_url"`
			Items       []struct{ ID, URL string }
		}
		status, body := get("/live/" + fr.Slug + "/feed.json")
		if status != http.StatusOK {
			t.Fatalf("French live blog's feed.json: %d %s", status, body)
		}
		if err := json.Unmarshal(body, &jf); err != nil {
			t.Fatal(err)
		}
		var urls struct{ FR, EN struct{ URL string } }
		gqlData(t, s.Server, "", `query($fr: ID!, $en: ID!) { FR: node(id: $fr) { ... on Article { url } } EN: node(id: $en) { ... on Article { url } } }`,
			map[string]any{"fr": fr.ID, "en": en.ID}, &urls)
		page := urls.FR.URL
		if !strings.HasPrefix(page, "https://news.example/fr/") || !strings.HasSuffix(page, "/"+fr.Slug) {
			t.Fatalf("French page at %q", page)
		}
		if jf.HomePageURL != page || jf.FeedURL != "https://news.example/live/"+fr.Slug+"/feed.json" ||
			len(jf.Items) != 1 || jf.Items[0].ID != frEntry || jf.Items[0].URL != page+"#"+frEntry {
			t.Errorf("feed.json addresses = %s, want home %s", body, page)
		}
		var rss struct {
			Channel struct {
				Items []struct {
					Link string `xml:"link"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		status, body = get("/live/" + en.Slug + "/feed.xml")
		if err := xml.Unmarshal(body, &rss); err != nil || status != http.StatusOK {
			t.Fatalf("feed.xml: %d %s (%v)", status, body, err)
		}
		if enPage := urls.EN.URL; !strings.Contains(string(body), "<link>"+enPage+"</link>") || len(rss.Channel.Items) != 1 || !strings.HasPrefix(rss.Channel.Items[0].Link, enPage+"#") {
			t.Errorf("feed.xml links = %s, want %s", body, urls.EN.URL)
		}
		if status, body := get("/live/" + fr.Slug + "/feed.json?locale=en"); status != http.StatusNotFound {
			t.Errorf("French slug asked in English: %d %s", status, body)
		}
		if status, body := get("/live/" + fr.Slug + "/feed.json?locale=fr"); status != http.StatusOK {
			t.Errorf("French slug asked in French: %d %s", status, body)
		}
		if status, body := get("/live/" + fr.Slug + "/feed.json?locale=xx"); status != http.StatusBadRequest || !strings.Contains(string(body), "locale") {
			t.Errorf("unknown locale: %d %s", status, body)
		}
	})
}
