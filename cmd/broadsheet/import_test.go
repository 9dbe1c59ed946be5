package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

const importFixtures = "../../internal/importer/testdata/"

// summaryCount reads one row of the import summary table.
func summaryCount(t *testing.T, out, row string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(row) + ` +(\d+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q row in the summary:\n%s", row, out)
	}
	return m[1]
}

func wantCounts(t *testing.T, what string, r result, want map[string]string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", what, r.code, r.stdout, r.stderr)
	}
	for row, n := range want {
		if got := summaryCount(t, r.stdout, row); got != n {
			t.Errorf("%s: %s = %s, want %s\n%s", what, row, got, n, r.stdout)
		}
	}
}

// writePNG writes a small picture at path (an upload of the old site).
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestImportCommands runs the three importers through the binary on each
// engine: first import, an identical re-run (from the https:// form of the
// WXR namespace) that changes nothing, a dry run and a real run of a newer
// export, malformed files that import nothing; then the old addresses
// through route(path:) on a real server.
func TestImportCommands(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	for _, d := range dbtest.Engines {
		t.Run(string(d), func(t *testing.T) {
			url := dbtest.URL(t, d)
			lib := t.TempDir()
			run := func(args ...string) result {
				t.Helper()
				return runBin(t, bin, nil, append(append([]string{"import"}, args...), "--db", url, "--create",
					"--public-url", "https://gazette.example.org", "--media", "file://"+lib)...)
			}
			// The uploads folder has the bridge picture; the festival's is missing.
			uploads := t.TempDir()
			writePNG(t, filepath.Join(uploads, "2023", "03", "bridge.jpg"))
			wantCounts(t, "wordpress", run("wordpress", importFixtures+"wordpress.xml", "--media-dir", uploads), map[string]string{
				"items read": "10", "imported (new)": "6", "skipped": "4", "redirects created": "7", "media in the library": "1"})
			r := run("wordpress", importFixtures+"wordpress-https.xml", "--media-dir", uploads)
			wantCounts(t, "wordpress again (https namespace)", r, map[string]string{
				"imported (new)": "0", "updated": "0", "unchanged": "6", "redirects created": "0"})
			for _, reason := range []string{`"In the bin"): status "trash" is not an article`, `"Empty one"): empty body`, `"About us"): a page (pass --pages`, `unknown status "wc-completed"`} {
				if !strings.Contains(r.stdout, reason) {
					t.Errorf("the summary does not say %q:\n%s", reason, r.stdout)
				}
			}

			// A newer export: one headline edited, one post added.
			src, err := os.ReadFile(importFixtures + "wordpress.xml")
			if err != nil {
				t.Fatal(err)
			}
			newer := strings.Replace(string(src), "Council approves the new bridge &amp; the bypass", "Council approves the bridge", 1)
			newer = strings.Replace(newer, "<wp:status><![CDATA[wc-completed]]></wp:status>", "<wp:status><![CDATA[publish]]></wp:status>", 1)
			newerPath := filepath.Join(t.TempDir(), "newer.xml")
			if err := os.WriteFile(newerPath, []byte(newer), 0o600); err != nil {
				t.Fatal(err)
			}
			wantCounts(t, "dry run", run("wordpress", newerPath, "--dry-run", "--media-dir", uploads), map[string]string{"updated": "1", "imported (new)": "1", "unchanged": "5"})
			wantCounts(t, "newer export", run("wordpress", newerPath, "--media-dir", uploads), map[string]string{"updated": "1", "imported (new)": "1", "unchanged": "5"})

			// The Ghost site writes French.
			if r := run("ghost", importFixtures+"ghost.json", "--locales", "en,fr", "--locale", "de"); r.code != 2 || !strings.Contains(r.stderr, `--locale "de": want one of --locales (en, fr)`) {
				t.Errorf("--locale outside --locales: %+v", r)
			}
			wantCounts(t, "ghost", run("ghost", importFixtures+"ghost.json", "--old-base-url", "https://harbour.example", "--locales", "en,fr", "--locale", "fr"), map[string]string{
				"imported (new)": "3", "skipped": "2", "redirects created": "2"})
			wantCounts(t, "ghost again", run("ghost", importFixtures+"ghost.json", "--old-base-url", "https://harbour.example", "--locales", "en,fr", "--locale", "fr"), map[string]string{
				"imported (new)": "0", "unchanged": "3"})
			// The Markdown site's picture, beside its files, goes to the library.
			site := filepath.Join(t.TempDir(), "site")
			if err := os.CopyFS(site, os.DirFS(importFixtures+"markdown")); err != nil {
				t.Fatal(err)
			}
			writePNG(t, filepath.Join(site, "images", "dome.jpg"))
			wantCounts(t, "markdown", run("markdown", site), map[string]string{
				"imported (new)": "3", "media missing": "1", "media in the library": "2"}) // the cover, and the picture in the body
			wantCounts(t, "markdown again", run("markdown", site), map[string]string{
				"imported (new)": "0", "unchanged": "3", "media in the library": "2"})
			// A dry run finds the pictures in the library without uploading.
			wantCounts(t, "markdown dry run", run("markdown", site, "--dry-run"), map[string]string{
				"imported (new)": "0", "unchanged": "3", "media in the library": "2"})

			db, err := dbconn.Open(context.Background(), url, dbconn.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			count := func() (n int) {
				t.Helper()
				if err := db.SQL().QueryRow("SELECT COUNT(*) FROM articles").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count(); n != 13 {
				t.Errorf("%d articles, want 13 (7 WordPress, 3 Ghost, 3 Markdown)", n)
			}
			for _, tc := range []struct{ query, want string }{
				// HTML entities decoded, the untitled draft titled from its words.
				{"SELECT title FROM articles WHERE slug = 'a-post-someone-forgot-to-title'", "A post someone forgot to title."},
				{"SELECT name FROM authors WHERE slug = 'zoe'", "Zoë Łukasiewicz & Co."},
				{"SELECT status FROM articles WHERE slug = 'budget-preview'", "SCHEDULED"},
				{"SELECT locale FROM articles WHERE slug = 'harbour-reopens'", "fr"},
				{"SELECT locale FROM articles WHERE slug = 'council-bridge'", "en"},
				{"SELECT status FROM articles WHERE slug = 'pending-letter'", "DRAFT"},
				{"SELECT cover_alt FROM articles WHERE slug = 'council-bridge'", "The old stone bridge"},
				{"SELECT i.alt FROM articles a JOIN images i ON i.id = a.cover_image_id WHERE a.slug = 'council-bridge'", "The old stone bridge"},
				{"SELECT COUNT(*) FROM images", "1"}, // the bridge and the dome are the same bytes: uploaded once
				{"SELECT cover_url FROM articles WHERE slug = 'harbour-reopens'", "https://harbour.example/content/images/2023/11/harbour.jpg"},
				{"SELECT body FROM articles WHERE slug = 'festival'", "## What’s on"},
				// A picture beside the Markdown file, alone on its line, is now a library picture.
				{"SELECT body FROM articles WHERE slug = 'first-light'", "The telescope saw its **first light** on Thursday.\n\n![The dome](media:"},
			} {
				var got string
				if err := db.SQL().QueryRow(tc.query).Scan(&got); err != nil {
					t.Fatalf("%s: %v", tc.query, err)
				}
				if !strings.HasPrefix(got, tc.want) {
					t.Errorf("%s = %q, want %q", tc.query, got, tc.want)
				}
			}
			for _, tc := range []struct{ kind, file, where string }{
				{"wordpress", "truncated.xml", "truncated.xml:54 (item 1): XML syntax error"},
				{"ghost", "ghost-truncated.json", "ghost-truncated.json:3: table posts: element 2: unexpected EOF"},
				{"markdown", "markdown-bad", "broken.md:2: front matter: yaml:"},
			} {
				r := run(tc.kind, importFixtures+tc.file)
				if r.code != 1 || !strings.Contains(r.stderr, tc.where) || !strings.Contains(r.stderr, "nothing was imported") {
					t.Errorf("import %s %s: exit %d, stderr %q; want 1 naming %q", tc.kind, tc.file, r.code, r.stderr, tc.where)
				}
			}
			if n := count(); n != 13 {
				t.Errorf("%d articles after the malformed files, want 13", n)
			}
			var events int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox_events WHERE type = 'import.completed'").Scan(&events); err != nil {
				t.Fatal(err)
			}
			if events != 7 { // one per import that wrote (the dry run and the malformed files wrote none)
				t.Errorf("%d import.completed events, want 7", events)
			}
			var articleEvents int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox_events WHERE type LIKE 'article.%'").Scan(&articleEvents); err != nil {
				t.Fatal(err)
			}
			if articleEvents != 0 {
				t.Errorf("%d article events, want none from a bulk import", articleEvents)
			}

			links, err := permalink.New("https://gazette.example.org", "")
			if err != nil {
				t.Fatal(err)
			}
			s := testserver.New(t, db, []content.Option{content.WithPublication(content.Publication{Name: "Gazette", Language: "en", Links: links})})
			for _, tc := range []struct{ path, typename, want string }{
				{"/2023/03/14/council-bridge/", "Redirect", "/local-news/council-bridge"},
				{"https://gazette.example.org/2023/03/14/council-bridge/", "Redirect", "/local-news/council-bridge"},
				{"/?p=101", "Redirect", "/local-news/council-bridge"},
				{"/?utm_source=mail&p=101", "Redirect", "/local-news/council-bridge"},
				{"/local-news/council-bridge", "Article", "council-bridge"},
				{"/2024/06/01/festival/", "Redirect", "/news/festival-2"},
				{"/?p=109", "Redirect", "/news/mystery"},
				{"/?p=106", "", ""}, // a draft: no redirect, nothing for readers
				{"/?p=999", "", ""},
				{"/harbour-reopens/", "Redirect", "/coast/harbour-reopens"},
				{"/2019/05/old-post.html", "Redirect", "/archive/old-post"},
				{"/posts/first-light/", "Redirect", "/science/first-light"},
				{"/blog/observatory.html", "Redirect", "/science/first-light"},
			} {
				var got struct {
					Route *struct {
						Typename   string `json:"__typename"`
						Slug       string
						Location   string
						StatusCode int
					}
				}
				s.MustData(t, testserver.Request{Query: `query($p: String!) { route(path: $p) { __typename ... on Article { slug } ... on Redirect { location statusCode } } }`,
					Variables: map[string]any{"p": tc.path}}, &got)
				switch {
				case tc.typename == "" && got.Route != nil:
					t.Errorf("route(%q) = %+v, want null", tc.path, got.Route)
				case tc.typename == "":
				case got.Route == nil || got.Route.Typename != tc.typename:
					t.Errorf("route(%q) = %+v, want a %s", tc.path, got.Route, tc.typename)
				case tc.typename == "Redirect" && (got.Route.Location != tc.want || got.Route.StatusCode != 301):
					t.Errorf("route(%q) = %+v, want a 301 to %s", tc.path, got.Route, tc.want)
				case tc.typename == "Article" && got.Route.Slug != tc.want:
					t.Errorf("route(%q) = %+v, want article %s", tc.path, got.Route, tc.want)
				}
			}
		})
	}
}

// TestImportFetchMediaGuard: --fetch-media downloads through the webhooks'
// address guard, so pictures on loopback (or private) addresses are
// refused and the cover keeps its URL.
func TestImportFetchMediaGuard(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	var hits atomic.Int32
	old := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer old.Close()
	src, err := os.ReadFile(importFixtures + "wordpress.xml")
	if err != nil {
		t.Fatal(err)
	}
	export := filepath.Join(t.TempDir(), "export.xml")
	if err := os.WriteFile(export, []byte(strings.ReplaceAll(string(src), "https://gazette.example.org/wp-content", old.URL+"/wp-content")), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := runBin(t, bin, nil, "import", "wordpress", export, "--fetch-media", "--db", "sqlite:"+filepath.Join(dir, "b.db"), "--create", "--media", "file://"+filepath.Join(dir, "media"))
	wantCounts(t, "fetch from loopback", r, map[string]string{"imported (new)": "6", "media in the library": "0", "media kept as URLs": "2"}) // the cover, and the same picture in the body
	if !strings.Contains(r.stdout, "not fetched") || !strings.Contains(r.stdout, "private or loopback address") || hits.Load() != 0 {
		t.Errorf("the loopback picture was not refused by the guard (%d requests):\n%s", hits.Load(), r.stdout)
	}
}
