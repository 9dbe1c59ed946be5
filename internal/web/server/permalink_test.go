package server_test

import (
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/permalink"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// testPublication is the publication the distribution tests run under.
func testPublication(pattern string) content.Option {
	return content.WithPublication(content.Publication{Name: "The Daily Test", Language: "en",
		LogoURL: "https://news.example.com/logo.png", Links: permalink.MustNew("https://news.example.com", pattern)})
}

// Every object readers open has an address built by the configured
// pattern; the path is the URL's path.
func TestObjectURLs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, pattern, url string }{
		{"default", "", "https://news.example.com/world/" + demo.SeedSlug},
		{"dated", "{publicUrl}/{yyyy}/{mm}/{dd}/{slug}", "https://news.example.com/20"},
		{"other host by id", "https://www.example.org/a/{id}", "https://www.example.org/a/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				s := testserver.WithDemo(t, db, testPublication(tc.pattern))
				var got struct {
					Article struct {
						URL, Path string
						Category  struct{ URL, Path string }
						Tags      []struct{ URL, Path, Slug string }
						Authors   []struct{ URL, Slug string }
					}
				}
				s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { url path category { url path } tags { url path slug } authors { url slug } } }`,
					Variables: map[string]any{"s": demo.SeedSlug}}, &got)
				a := got.Article
				if !strings.HasPrefix(a.URL, tc.url) {
					t.Errorf("url = %q, want prefix %q", a.URL, tc.url)
				}
				if !strings.HasPrefix(a.Path, "/") || !strings.HasSuffix(a.URL, a.Path) {
					t.Errorf("path %q is not the path of %q", a.Path, a.URL)
				}
				if a.Category.URL != "https://news.example.com/world" || a.Category.Path != "/world" {
					t.Errorf("section url = %+v", a.Category)
				}
				if len(a.Tags) == 0 || a.Tags[0].URL != "https://news.example.com/tags/"+a.Tags[0].Slug || a.Tags[0].Path != "/tags/"+a.Tags[0].Slug {
					t.Errorf("tag urls = %+v", a.Tags)
				}
				if len(a.Authors) == 0 || a.Authors[0].URL != "https://news.example.com/authors/"+a.Authors[0].Slug {
					t.Errorf("author urls = %+v", a.Authors)
				}
			})
		})
	}
}
