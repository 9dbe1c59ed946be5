package server_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// cardSelections are the sub-selections the test asks of the card fields
// that are objects: every field of theirs without arguments.
var cardSelections = map[string]string{
	"authors":  "{ id slug name bio jobTitle avatarUrl url path }",
	"category": "{ id slug name description url path }",
	"tags":     "{ id slug name url path }",
}

// TestCardsAnswerAsArticles: a page whose selection asks for nothing but
// card fields (content.CardFields) is read with the card columns only; each
// card field answers exactly what it answers on the same page read whole
// (here, with canonicalUrl, no card field, beside it), for readers and
// editors, on every list that reads cards: the homepage's nodes, a section
// front's, an author page's and a tag page's edges.
func TestCardsAnswerAsArticles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		var top struct {
			Articles struct {
				Nodes []struct {
					Authors  []struct{ Slug string }
					Category struct{ Slug string }
					Tags     []struct{ Slug string }
				}
			}
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 1) { nodes { authors { slug } category { slug } tags { slug } } } }`}, &top)
		a := top.Articles.Nodes[0]
		lists := []struct {
			name        string
			wrap        func(sel string) string
			path        []string // down to the list of articles (nodes, or edges whose node holds the article)
			throughEdge bool
		}{
			{"homepage", func(sel string) string { return `{ articles(first: 20) { nodes ` + sel + ` } }` }, []string{"articles", "nodes"}, false},
			{"section front", func(sel string) string {
				return `{ category(slug: "` + a.Category.Slug + `") { name articles(first: 20) { edges { cursor node ` + sel + ` } } } }`
			}, []string{"category", "articles", "edges"}, true},
			{"author page", func(sel string) string {
				return `{ author(slug: "` + a.Authors[0].Slug + `") { name articles(first: 20) { nodes ` + sel + ` } } }`
			}, []string{"author", "articles", "nodes"}, false},
			{"tag page", func(sel string) string {
				return `{ tag(slug: "` + a.Tags[0].Slug + `") { name articles(first: 20) { edges { node ` + sel + ` } } } }`
			}, []string{"tag", "articles", "edges"}, true},
		}
		for _, l := range lists {
			for _, who := range []struct{ name, token string }{{"reader", ""}, {"editor", editor}} {
				for _, f := range content.CardFields {
					sel := f + " " + cardSelections[f]
					cards := articlesAt(t, s.Do(t, testserver.Request{Query: l.wrap("{ " + sel + " }"), Token: who.token}), l.path, l.throughEdge)
					whole := articlesAt(t, s.Do(t, testserver.Request{Query: l.wrap("{ " + sel + " canonicalUrl }"), Token: who.token}), l.path, l.throughEdge)
					if len(cards) == 0 {
						t.Fatalf("%s, %s, %s: no articles", l.name, who.name, f)
					}
					for i := range whole {
						delete(whole[i], "canonicalUrl")
					}
					if !reflect.DeepEqual(cards, whole) {
						t.Errorf("%s, %s: %s read as cards\n%v\nwhole\n%v", l.name, who.name, f, cards, whole)
					}
				}
			}
		}
	})
}

// articlesAt returns the articles of an answer at path (through each
// edge's node when throughEdge), failing on errors.
func articlesAt(t *testing.T, r *testserver.Response, path []string, throughEdge bool) []map[string]any {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r)
	}
	var data map[string]any
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatal(err)
	}
	var cur any = data
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("no %s in %s", strings.Join(path, "."), r)
		}
		cur = m[p]
	}
	items, _ := cur.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		m := it.(map[string]any)
		if throughEdge {
			m = m["node"].(map[string]any)
		}
		out = append(out, m)
	}
	return out
}
