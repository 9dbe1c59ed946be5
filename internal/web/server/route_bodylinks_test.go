package server_test

import (
	"regexp"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

var bodyHref = regexp.MustCompile(`href="(/[^"]*)"`)

// TestRouteFollowsLinksInBodies: the links bodies carry to other articles
// (article:SLUG in Markdown and "Read also" blocks, written /articles/SLUG)
// lead somewhere through route under every URL pattern: a frontend that
// renders the seed article's bodyHtml and routes by request path must not
// show its readers a 404 for the "Read also" link.
func TestRouteFollowsLinksInBodies(t *testing.T) {
	t.Parallel()
	for _, pattern := range []string{"{publicUrl}/{section}/{slug}", "{publicUrl}/{yyyy}/{mm}/{dd}/{id}", "{publicUrl}/{section}/{id}-{slug}.html"} {
		t.Run(pattern, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
				s := testserver.WithDemo(t, db, testPublication(pattern))
				var got struct{ Article struct{ Path string } }
				s.MustData(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { path } }`, Variables: map[string]any{"s": demo.SeedSlug}}, &got)
				page := route(t, s, "", got.Article.Path)
				if page == nil || page.Typename != "Article" {
					t.Fatalf("route(%s) = %+v", got.Article.Path, page)
				}
				links := bodyHref.FindAllStringSubmatch(page.BodyHTML, -1)
				if len(links) == 0 {
					t.Fatalf("the seed article links to no article: %s", page.BodyHTML)
				}
				for _, m := range links {
					r := route(t, s, "", m[1])
					if r == nil || r.Typename != "Redirect" || r.StatusCode != 301 {
						t.Errorf("route(%s) = %+v, want a 301 to the article's page", m[1], r)
						continue
					}
					if to := route(t, s, "", r.Location); to == nil || to.Typename != "Article" || to.Path != r.Location {
						t.Errorf("route(%s) → %s = %+v, want the article", m[1], r.Location, to)
					}
				}
			})
		})
	}
}
