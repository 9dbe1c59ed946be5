package server_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestArticleWithoutSourceAnswersAsWhole: an article asked for its
// bodyHtml and not its body, blocks or pendingChanges is read without its
// Markdown source (store.WithoutMarkdown); every field it is asked for
// answers what it answers when the source is read too (with body beside
// it), for every demo article, for readers and editors.
func TestArticleWithoutSourceAnswersAsWhole(t *testing.T) {
	t.Parallel()
	const fields = `id slug title subtitle bodyHtml excerpt status publishedAt createdAt updatedAt
		readingTimeMinutes wordCount coverImage { url alt caption credit } canonicalUrl
		authors { name slug } category { name slug } tags { name slug } version deletedAt
		related(first: 2) { title url } locale translations { locale title } liveBlog { __typename }
		url path seo { title description image noindex } jsonLd corrections { __typename }
		expiresAt embargoUntil`
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		var list struct {
			Articles struct{ Nodes []struct{ Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 50) { nodes { slug } } }`, Token: editor}, &list)
		if len(list.Articles.Nodes) < 5 {
			t.Fatalf("fixture: %d articles", len(list.Articles.Nodes))
		}
		for _, viewer := range []struct{ name, token, extra string }{
			{"reader", "", ""},
			{"editor", editor, "revisions(first: 3) { id } hasPendingChanges reviewState"},
		} {
			for _, a := range list.Articles.Nodes {
				vars := map[string]any{"slug": a.Slug}
				answer := func(sel string) map[string]any {
					var out struct{ Article map[string]any }
					s.MustData(t, testserver.Request{Query: `query($slug: String!) { article(slug: $slug) { ` + sel + ` } }`,
						Variables: vars, Token: viewer.token}, &out)
					return out.Article
				}
				got := answer(fields + " " + viewer.extra)
				whole := answer(fields + " " + viewer.extra + " body")
				if viewer.token == "" && whole == nil {
					continue // not published: readers see neither
				}
				if whole == nil || whole["body"] == "" {
					t.Fatalf("%s, %s: the whole article %v", viewer.name, a.Slug, whole)
				}
				delete(whole, "body")
				if !reflect.DeepEqual(got, whole) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(whole)
					t.Errorf("%s, %s: without the source\n %s\nwith it\n %s", viewer.name, a.Slug, g, w)
				}
			}
		}
	})
}
