package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/models"
)

var updateBlocks = flag.Bool("update-blocks", false, "rewrite testdata/blocks/*.json from the server's answers")

// blocksFragment is the fragment an app uses to read a body (README shows it).
func blocksFragment(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/blocks/fragment.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// blocksServer serves the demo content and a media library holding three
// pictures. The replacer fills the fixtures' {{IMG1}} and {{IMG2}} (global
// ids, as editors copy them from Image.id) and {{IMG3_ROW}} (a row number,
// also accepted).
func blocksServer(t testing.TB, db *dbconn.DB, opts ...testserver.Option) (*mediaServer, *strings.Replacer) {
	t.Helper()
	m := newMediaServer(t, db, nil, media.Config{}, opts...)
	ctx := context.Background()
	if err := demo.Seed(ctx, m.Content); err != nil {
		t.Fatal(err)
	}
	pics := []struct{ alt, caption, credit string }{
		{"A launch pad", "", "Photo: Pool / Reuters"},
		{"The first launch", "Library caption one", "Photo: KCNA"},
		{"The second launch", "Library caption two", ""},
	}
	var imgs []*models.Image
	for i, p := range pics {
		img, err := m.Lib.Upload(ctx, media.File{Filename: fmt.Sprintf("launch-%d.jpg", i), Content: bytes.NewReader(encodeJPEGTB(t, halves(1200, 800)))},
			media.Input{Alt: &p.alt, Caption: &p.caption, Credit: &p.credit})
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	return m, strings.NewReplacer("{{IMG1}}", imgs[0].GlobalID(), "{{IMG2}}", imgs[1].GlobalID(), "{{IMG3_ROW}}", strconv.FormatUint(imgs[2].ID, 10))
}

type blocksAnswer struct {
	Article struct {
		BodyHTML string          `json:"bodyHtml"`
		Blocks   json.RawMessage `json:"blocks"`
	}
}

// readBlocks returns an article's bodyHtml and blocks as token sees them.
func readBlocks(t *testing.T, s *testserver.Server, token, slug string) (blocksAnswer, *testserver.Response) {
	t.Helper()
	var got blocksAnswer
	r := s.MustData(t, testserver.Request{Token: token, Query: blocksFragment(t) +
		`query($slug: String!) { article(slug: $slug) { bodyHtml ...BodyBlocks } }`, Variables: map[string]any{"slug": slug}}, &got)
	return got, r
}

// TestBodyBlocks writes each fixture of testdata/blocks as an article body
// and reads it back: its blocks must be the golden testdata/blocks/NAME.json
// and its bodyHtml must hold the same content.
func TestBodyBlocks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		html        []string // bodyHtml holds each
		types       []string // the blocks' __typename, in order
		notAnywhere []string // neither bodyHtml nor blocks hold any
	}{
		{name: "paragraph", types: []string{"ParagraphBlock"},
			html: []string{`<p>Dozens of states have joined <em>Ukraine</em> in condemning the <a href="https://www.un.org/">transfers</a>`}},
		{name: "heading", types: []string{"HeadingBlock"},
			html: []string{`<h2 id="spy-satellites-and-ballistic-missiles">Spy satellites and <em>ballistic</em> missiles</h2>`}},
		{name: "quote", types: []string{"QuoteBlock"},
			html: []string{"<blockquote>", "<footer>— Josep Borrell</footer>"}},
		{name: "list", types: []string{"ListBlock", "ListBlock"},
			html: []string{`<ol start="3">`, "<li>Pyongyang with <em>emphasis</em></li>", "<ul>", "<li>Tokyo</li>"}},
		{name: "table", types: []string{"TableBlock"},
			html: []string{"<table>", `<th style="text-align: left">Country</th>`, `<td style="text-align: right"><em>125</em></td>`}},
		{name: "image", types: []string{"ParagraphBlock", "ImageBlock"},
			html: []string{`<figure class="image" data-media-id="SW1hZ2U6MQ"><img src="/media/`, `srcset="/media/`, ` 1200w"`, `width="1200" height="800" alt="Kim Jong Un at the launch site"`,
				`<figcaption>The Vostochny Cosmodrome, September 2023 <span class="credit">Photo: Pool / Reuters</span></figcaption>`}},
		{name: "gallery", types: []string{"GalleryBlock"},
			html: []string{`<div class="gallery">`, `<figure class="image" data-media-id="SW1hZ2U6Mg"><img src="/media/`, "<figcaption>The first launch <span class=\"credit\">Photo: KCNA</span>",
				`<figure class="image" data-media-id="3"><img src="/media/`, `alt="The second launch"`, "<figcaption>Library caption two</figcaption>"}},
		{name: "embed", types: []string{"ParagraphBlock", "EmbedBlock", "EmbedBlock", "EmbedBlock", "ParagraphBlock"},
			html: []string{`<iframe src="https://www.youtube-nocookie.com/embed/jNQXAC9IVRw"`, `sandbox="allow-scripts allow-same-origin`,
				`<iframe src="https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk"`, `<a href="https://example.com/not-a-provider">`}},
		{name: "readalso", types: []string{"ParagraphBlock", "ReadAlsoBlock"},
			html: []string{`<aside class="read-also"><p>Read also: <a href="/articles/` + demo.ReadAlsoSlug + `">Life in North Korea</a></p></aside>`}},
		{name: "footnotes", types: []string{"ParagraphBlock", "FootnotesBlock"},
			html:        []string{`<sup id="fnref:1"><a class="footnote-ref" href="#fn:1" role="doc-noteref">1</a></sup>`, `<li id="fn:2"><p>Including <em>Argentina</em> and Japan.`},
			notAnywhere: []string{`href="note"`}},
		{name: "hostile", types: []string{"ParagraphBlock", "HtmlBlock", "HtmlBlock", "ParagraphBlock"},
			html: []string{`<iframe src="https://player.vimeo.com/video/76979871" sandbox="allow-scripts"></iframe>`,
				`<figure><img src="https://images.example/map.png" alt="Map"/><figcaption>The peninsula</figcaption></figure>`,
				`<video src="https://video.example/clip.mp4" controls=""></video>`},
			notAnywhere: []string{"<script", "alert(", "onerror", "javascript:", "evil.example", "<object", "<style", "display: none", "onplay", "onload", "allow-top-navigation"}},
	}
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		m, ids := blocksServer(t, db)
		s, editor := m.Server, m.Editor
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body, err := os.ReadFile(filepath.Join("testdata/blocks", tc.name+".md"))
				if err != nil {
					t.Fatal(err)
				}
				p := create(t, s, editor, map[string]any{"title": "Blocks " + tc.name, "body": ids.Replace(string(body)), "status": "PUBLISHED"})
				if len(p.UserErrors) > 0 || p.Article == nil {
					t.Fatalf("create: %+v", p.UserErrors)
				}
				got, _ := readBlocks(t, s, "", p.Article.Slug)
				var typed []struct {
					Typename string `json:"__typename"`
				}
				if err := json.Unmarshal(got.Article.Blocks, &typed); err != nil {
					t.Fatal(err)
				}
				var types []string
				for _, b := range typed {
					types = append(types, b.Typename)
				}
				if strings.Join(types, ",") != strings.Join(tc.types, ",") {
					t.Errorf("blocks are %v, want %v", types, tc.types)
				}
				for _, h := range tc.html {
					if !strings.Contains(got.Article.BodyHTML, h) {
						t.Errorf("bodyHtml lacks %s\n%s", h, got.Article.BodyHTML)
					}
				}
				for _, bad := range tc.notAnywhere {
					if strings.Contains(got.Article.BodyHTML, bad) || strings.Contains(string(got.Article.Blocks), bad) {
						t.Errorf("%q survived:\n%s\n%s", bad, got.Article.BodyHTML, got.Article.Blocks)
					}
				}
				golden(t, filepath.Join("testdata/blocks", tc.name+".json"), got.Article.Blocks)
			})
		}
	})
}

// The media library's own output (its placeholder encoding, its signed
// rendition URLs) is the media tests' to check: the golden files hold it
// masked, so they follow what the body does, not how pictures are encoded.
var (
	placeholderValue = regexp.MustCompile(`"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+"`)
	renditionURL     = regexp.MustCompile(`/media/[A-Za-z0-9_-]+/[0-9]+/[0-9]+x[0-9]+-[a-z]+-[0-9.]+-[0-9.]+\.[a-z]+`)
)

// golden compares got (JSON) with the file at path, indented, with the
// media library's encodings masked.
func golden(t *testing.T, path string, got json.RawMessage) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	masked := placeholderValue.ReplaceAll(buf.Bytes(), []byte(`"data:image/…"`))
	masked = renditionURL.ReplaceAll(masked, []byte("/media/…"))
	buf.Reset()
	buf.Write(masked)
	buf.WriteByte('\n')
	if *updateBlocks {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-blocks to write it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("blocks differ from %s:\n%s", path, buf.String())
	}
}
