package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// relFields asks an article for its byline, section and tags.
const relFields = `id locale authors { slug name } category { slug name } tags { slug name }`

// TestArticleRelationsOnEveryPath: an article's byline, section and tags
// are plain methods reading what was loaded with it. Lists load them from
// the selection up front; every other way to an article (a lookup by global
// id, a route, an edge, translations, related lists, an author's page) must
// load them too, with the same answer as the article's own page, and a list
// of them in one batch: as many statements for 2 articles as for 6.
func TestArticleRelationsOnEveryPath(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, trLocales(t))
		var top struct {
			Articles struct {
				Nodes []struct {
					ID, Slug, Path string
					Authors        []struct{ Slug string }
					Translations   []struct{ ID string }
				}
			}
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 50) { nodes { id slug path authors { slug } translations { id } } } }`}, &top)
		// Six articles, a translated one first.
		nodes := top.Articles.Nodes
		for i, n := range nodes {
			if len(n.Translations) > 0 {
				nodes[0], nodes[i] = nodes[i], nodes[0]
				break
			}
		}
		if len(nodes) < 6 || len(nodes[0].Translations) == 0 {
			t.Fatalf("want 6 articles, one of them translated, in the demo content; got %+v", nodes)
		}
		nodes = nodes[:6]
		// What each article's own page shows.
		want := map[string]string{}
		record := func(a map[string]any) {
			b, _ := json.Marshal([]any{a["authors"], a["category"], a["tags"]})
			want[a["id"].(string)] = string(b)
		}
		for _, n := range nodes {
			var page struct{ Article map[string]any }
			s.MustData(t, testserver.Request{Query: `query($id: ID!) { article(id: $id) { ` + relFields + ` translations { ` + relFields + ` } } }`,
				Variables: map[string]any{"id": n.ID}}, &page)
			if page.Article == nil {
				t.Fatalf("article(id: %s) is null", n.ID)
			}
			record(page.Article)
			for _, tr := range page.Article["translations"].([]any) {
				record(tr.(map[string]any))
			}
		}
		if len(want) == len(nodes) {
			t.Fatal("no translated article in the demo content: the test would not cover section and tag names in another locale")
		}
		ids := func(n int) []string {
			var out []string
			for _, a := range nodes[:n] {
				out = append(out, a.ID)
			}
			return out
		}
		// single: asked once, for 2 articles (or the same request for 2 and
		// 6, whose second answer would come from the response cache).
		// primed: the relations come with the page, so the count is exact.
		cases := []struct {
			name   string
			query  string
			vars   func(n int) map[string]any
			single bool
			primed bool
		}{
			{"node", `query($id: ID!) { node(id: $id) { ... on Article { ` + relFields + ` } } }`,
				func(int) map[string]any { return map[string]any{"id": nodes[0].ID} }, true, false},
			{"nodes", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { ` + relFields + ` } } }`,
				func(n int) map[string]any { return map[string]any{"ids": ids(n)} }, false, true},
			{"route", `query($path: String!) { route(path: $path) { ... on Article { ` + relFields + ` } } }`,
				func(int) map[string]any { return map[string]any{"path": nodes[1].Path} }, true, false},
			{"edges", `query($n: Int!) { articles(first: $n) { edges { node { ` + relFields + ` } } } }`,
				func(n int) map[string]any { return map[string]any{"n": n} }, false, true},
			{"translations", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { id translations { ` + relFields + ` } } } }`,
				func(n int) map[string]any { return map[string]any{"ids": ids(n)} }, false, false},
			{"related", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { id related(first: 3) { ` + relFields + ` } } } }`,
				func(n int) map[string]any { return map[string]any{"ids": ids(n)} }, false, false},
			{"related of a page", `query($n: Int!) { articles(first: $n) { nodes { id related(first: 3) { ` + relFields + ` } } } }`,
				func(n int) map[string]any { return map[string]any{"n": n} }, false, true},
			{"aliased related", `query($n: Int!) { articles(first: $n) { nodes { id a: related(first: 3) { id authors { slug name } } b: related(first: 3) { ` + relFields + ` } } } }`,
				func(n int) map[string]any { return map[string]any{"n": n} }, false, true},
			{"author page", `query($slug: String!) { author(slug: $slug) { articles(first: 5) { nodes { ` + relFields + ` } } } }`,
				func(int) map[string]any { return map[string]any{"slug": nodes[0].Authors[0].Slug} }, true, false},
			{"url and jsonLd", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { id url jsonLd translations { id url jsonLd } } } }`,
				// JSON-LD's other loaders (corrections, covers) batch by timing.
				func(n int) map[string]any { return map[string]any{"ids": ids(n)} }, true, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				stmts := map[int]int64{}
				sizes := []int{2, 6}
				if c.single {
					sizes = sizes[:1]
				}
				for _, n := range sizes {
					r := s.Do(t, testserver.Request{Query: c.query, Variables: c.vars(n)})
					if len(r.Errors) > 0 || !r.HasData {
						t.Fatalf("errors: %+v", r.Errors)
					}
					stmts[n] = r.Statements
					var data any
					if err := json.Unmarshal(r.Data, &data); err != nil {
						t.Fatal(err)
					}
					checked := 0
					eachArticle(data, func(a map[string]any) {
						if _, ok := a["authors"]; !ok {
							return
						}
						checked++
						b, _ := json.Marshal([]any{a["authors"], a["category"], a["tags"]})
						if _, hasCat := a["category"]; !hasCat { // the aliased list asks only bylines
							authors, _ := json.Marshal(a["authors"])
							if w, ok := want[a["id"].(string)]; ok && !strings.HasPrefix(w, "["+string(authors)+",") {
								t.Errorf("article %s: authors %s, its page shows %s", a["id"], authors, want[a["id"].(string)])
							}
							return
						}
						if w, ok := want[a["id"].(string)]; ok && w != string(b) {
							t.Errorf("article %s: %s, its page shows %s", a["id"], b, w)
						}
					})
					if checked == 0 && !strings.Contains(c.name, "url") {
						t.Fatalf("no article in the answer: %s", r.Data)
					}
				}
				switch {
				case c.single:
				case c.primed && stmts[2] != stmts[6]:
					t.Errorf("statements grow with the list: %d for 2 articles, %d for 6", stmts[2], stmts[6])
				case stmts[6] >= stmts[2]+4:
					// Batches that fill by timing (a loader's 1 ms window) may
					// split under load; a statement per article would add 4.
					t.Errorf("a statement per article: %d for 2 articles, %d for 6", stmts[2], stmts[6])
				}
			})
		}
	})
}

// eachArticle calls f with every object in v that has an article's id.
func eachArticle(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := x["id"].(string); ok && strings.HasPrefix(id, "QXJ0aWNsZT") { // base64 "Article"
			f(x)
		}
		for _, c := range x {
			eachArticle(c, f)
		}
	case []any:
		for _, c := range x {
			eachArticle(c, f)
		}
	}
}

// TestRelatedBodiesWhenAsked: related lists are read without the articles'
// bodies unless their selection asks for one; a selection that does ask
// (alone, or beside an alias that does not) gets each article's whole body.
func TestRelatedBodiesWhenAsked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		var got struct {
			Articles struct {
				Nodes []struct {
					Teasers []struct{ ID, Title string }
					Full    []struct{ ID, BodyHTML string }
				}
			}
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 5) { nodes {
			teasers: related(first: 3) { id title }
			full: related(first: 3) { id bodyHtml } } } }`}, &got)
		checked := 0
		for _, n := range got.Articles.Nodes {
			if len(n.Teasers) != len(n.Full) {
				t.Fatalf("the same list twice differs: %+v", n)
			}
			for i, r := range n.Full {
				var page struct{ Article struct{ BodyHTML string } }
				s.MustData(t, testserver.Request{Query: `query($id: ID!) { article(id: $id) { bodyHtml } }`, Variables: map[string]any{"id": r.ID}}, &page)
				if r.ID != n.Teasers[i].ID || r.BodyHTML == "" || r.BodyHTML != page.Article.BodyHTML {
					t.Errorf("related %s: bodyHtml %.60q, its page shows %.60q", r.ID, r.BodyHTML, page.Article.BodyHTML)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatal("no related articles in the demo content")
		}
	})
}

// TestPendingChangesInLists: an editor's list of articles whose staged
// change touches only the title says just that. The list is read without
// bodies when its selection asks for none, and the diff against the live
// article needs the live body: without it every staged change also
// listed "body".
func TestPendingChangesInLists(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		var top struct {
			Articles struct{ Nodes []struct{ ID string } }
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 1) { nodes { id } } }`}, &top)
		id := top.Articles.Nodes[0].ID
		if p := payload(t, s, editor, stageMutation, map[string]any{"id": id, "in": map[string]any{"title": "A staged headline"}}); len(p.UserErrors) > 0 {
			t.Fatalf("stage: %+v", p.UserErrors)
		}
		for _, q := range []string{
			`{ articles(first: 5) { nodes { id pendingChanges { changedFields } } } }`,
			`{ articles(first: 20) { nodes { related(first: 10) { id pendingChanges { changedFields } } } } }`,
		} {
			r := s.Do(t, testserver.Request{Query: q, Token: editor})
			var data any
			if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
				t.Fatalf("%s: %v %+v", q, err, r.Errors)
			}
			eachArticle(data, func(a map[string]any) {
				if a["id"] != id {
					return
				}
				got, _ := json.Marshal(a["pendingChanges"])
				if string(got) != `{"changedFields":["title"]}` {
					t.Errorf("%s: pendingChanges %s, want changedFields [title]", q, got)
				}
			})
		}
	})
}
