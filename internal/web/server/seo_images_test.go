package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestJSONLDCoverSizes: an article whose cover is a library picture gives
// search engines the picture at the three aspect ratios Google's Article
// guidelines recommend (16:9, 4:3, 1:1), each an ImageObject with its
// width and height, each URL serving a picture of that size.
func TestJSONLDCoverSizes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m := newMediaServer(t, db, nil, media.Config{})
		status, up, body := m.upload(t, m.Editor, "harbour.jpg", encodeJPEG(t, halves(2400, 1600)), map[string]any{"alt": "Boats"})
		if status != http.StatusOK || up.Image == nil {
			t.Fatalf("upload: %d %s", status, body)
		}
		var created struct {
			CreateArticle struct{ Article struct{ Slug string } }
		}
		m.MustData(t, testserver.Request{Token: m.Editor, Variables: map[string]any{"img": up.Image.ID}, Query: `mutation($img: ID!) {
			createArticle(input: {title: "Dawn at the harbour", body: "Boats.", status: PUBLISHED, coverImageId: $img}) { article { slug } } }`}, &created)
		var got struct{ Article struct{ JSONLd string } }
		m.MustData(t, testserver.Request{Variables: map[string]any{"s": created.CreateArticle.Article.Slug}, Query: `query($s: String) { article(slug: $s) { jsonLd } }`}, &got)
		var doc struct {
			Image []struct {
				Type          string `json:"@type"`
				URL           string
				Width, Height int
			}
		}
		if err := json.Unmarshal([]byte(got.Article.JSONLd), &doc); err != nil {
			t.Fatal(err)
		}
		want := [][2]int{{1280, 720}, {1280, 960}, {1280, 1280}} // the ladder's rung above 1,200
		if len(doc.Image) != len(want) {
			t.Fatalf("image = %+v, want 16:9, 4:3 and 1:1 renditions", doc.Image)
		}
		for i, img := range doc.Image {
			if img.Type != "ImageObject" || img.Width != want[i][0] || img.Height != want[i][1] || !strings.Contains(img.URL, "/media/") {
				t.Errorf("image %d = %+v, want %dx%d", i, img, want[i][0], want[i][1])
				continue
			}
			path := img.URL[strings.Index(img.URL, "/media/"):]
			res, _ := m.get(t, path)
			if res.StatusCode != http.StatusOK {
				t.Errorf("image %d %s: %d", i, path, res.StatusCode)
			}
		}
	})
}
