package server_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestUpdateReportsEveryProblemAtOnce: an unknown section comes back with
// the format problems of the same update, not after they are fixed.
func TestUpdateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	editor := s.Token(t, "desk", auth.Editor)
	p := create(t, s, editor, map[string]any{"title": "All at once"})
	if p.Article == nil {
		t.Fatalf("create: %+v", p.UserErrors)
	}
	got := mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{
		"id": p.Article.ID, "update": map[string]any{"slug": "Not A Slug!", "category": "sport", "authors": []string{globalID("Author", 999999)}},
	})
	want := []userError{{Field: []string{"input", "slug"}, Code: "INVALID"}, {Field: []string{"input", "category"}, Code: "NOT_FOUND"}, {Field: []string{"input", "authors"}, Code: "NOT_FOUND"}}
	if len(got.UserErrors) != len(want) {
		t.Fatalf("userErrors %+v, want %+v", got.UserErrors, want)
	}
	for i, w := range want {
		if g := got.UserErrors[i]; !slices.Equal(g.Field, w.Field) || g.Code != w.Code {
			t.Errorf("userErrors[%d] = %+v, want %v %s", i, g, w.Field, w.Code)
		}
	}
}

// TestAvatarURLIsNullWhenNone: an author without a portrait has
// avatarUrl null, not "".
func TestAvatarURLIsNullWhenNone(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil)
	admin := s.Token(t, "chief", auth.Admin)
	for _, tc := range []struct{ name, avatar, want string }{
		{"No Portrait", "", `null`},
		{"With Portrait", "https://img.example/p.jpg", `"https://img.example/p.jpg"`},
	} {
		input := map[string]any{"name": tc.name}
		if tc.avatar != "" {
			input["avatarUrl"] = tc.avatar
		}
		var created struct {
			CreateAuthor struct {
				Author struct{ Slug string }
			}
		}
		s.MustData(t, testserver.Request{Query: `mutation($in: AuthorInput!) { createAuthor(input: $in) { author { slug } userErrors { message } } }`,
			Variables: map[string]any{"in": input}, Token: admin}, &created)
		var got struct {
			Author map[string]json.RawMessage
		}
		s.MustData(t, testserver.Request{Query: `query($slug: String!) { author(slug: $slug) { avatarUrl } }`, Variables: map[string]any{"slug": created.CreateAuthor.Author.Slug}}, &got)
		if a := string(got.Author["avatarUrl"]); a != tc.want {
			t.Errorf("%s: avatarUrl = %s, want %s", tc.name, a, tc.want)
		}
	}
}

// TestNodes: nodes(ids:) answers in the order asked, with null where the
// viewer may not see an object (a draft, for readers) or none exists, in
// one statement per type; too many ids or a malformed one is BAD_USER_INPUT.
func TestNodes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		editor := s.Token(t, "desk", auth.Editor)
		draft := create(t, s, editor, map[string]any{"title": "Not yet"}).Article
		var ids struct {
			Article  struct{ ID string }
			Author   struct{ ID string }
			Category struct{ ID string }
		}
		s.MustData(t, testserver.Request{Query: `{ article(slug: "` + demo.SeedSlug + `") { id } author(slug: "giulia-marino") { id } category(slug: "world") { id } }`}, &ids)
		missing := globalID("Article", 999999)
		ask := []string{ids.Category.ID, draft.ID, ids.Article.ID, missing, ids.Author.ID, ids.Article.ID}
		const q = `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Article { title } ... on Author { name } ... on Category { name } } }`
		type node struct{ Typename, ID, Title, Name string }
		read := func(token string) []*node {
			var got struct {
				Nodes []*struct {
					Typename        string `json:"__typename"`
					ID, Title, Name string
				}
			}
			r := s.MustData(t, testserver.Request{Query: q, Variables: map[string]any{"ids": ask}, Token: token}, &got)
			// Beyond what any request costs (the token's lookup): one
			// statement per type asked for.
			base := s.Do(t, testserver.Request{Query: `{ __typename }`, Token: token})
			if n := r.Statements - base.Statements; n > 3 {
				t.Errorf("%d SQL statements for three types", n)
			}
			out := make([]*node, len(got.Nodes))
			for i, n := range got.Nodes {
				if n != nil {
					out[i] = &node{n.Typename, n.ID, n.Title, n.Name}
				}
			}
			return out
		}
		for _, tc := range []struct {
			who   string
			token string
			nulls []int
		}{{"reader", "", []int{1, 3}}, {"editor", editor, []int{3}}} {
			got := read(tc.token)
			if len(got) != len(ask) {
				t.Fatalf("%s: %d nodes for %d ids", tc.who, len(got), len(ask))
			}
			for i, id := range ask {
				if slices.Contains(tc.nulls, i) {
					if got[i] != nil {
						t.Errorf("%s: nodes[%d] = %+v, want null", tc.who, i, got[i])
					}
					continue
				}
				if got[i] == nil || got[i].ID != id {
					t.Errorf("%s: nodes[%d] = %+v, want %s", tc.who, i, got[i], id)
				}
			}
			if got[2] == nil || got[2].Typename != "Article" || !strings.Contains(got[2].Title, "Putin") || got[0] == nil || got[0].Name != "World" || got[4] == nil || got[4].Name != "Giulia Marino" {
				t.Errorf("%s: nodes = %+v %+v %+v", tc.who, got[0], got[2], got[4])
			}
		}

		many := make([]string, 101)
		for i := range many {
			many[i] = ids.Article.ID
		}
		// A problem with one id names it by index, whatever the problem.
		for name, tc := range map[string]struct {
			ids  []string
			name string
		}{
			"101 ids":      {many, `"ids"`},
			"malformed id": {[]string{ids.Article.ID, "not-an-id"}, `"ids[1]"`},
			"unknown type": {[]string{ids.Article.ID, encodeB64("Frobnicator:1")}, `"ids[1]"`},
		} {
			r := s.Do(t, testserver.Request{Query: q, Variables: map[string]any{"ids": tc.ids}})
			if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) || !strings.Contains(string(r.Body), tc.name) {
				t.Errorf("%s: %v %.300s, want %s named", name, codes, r.Body, tc.name)
			}
		}
	})
}

// TestPageRangeBeforeComplexity: an out-of-range page size is always the
// range error naming its argument, however costly the selection under it.
func TestPageRangeBeforeComplexity(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	for _, q := range []string{
		`{ articles(first: 1000) { nodes { title } } }`,
		`{ articles(first: 1000) { nodes { title authors { name articles(first: 100) { nodes { title tags { name } } } } } } }`,
		`{ author(slug: "giulia-marino") { articles(last: 1000000) { nodes { related(first: 10) { title } } } } }`,
	} {
		r := s.Do(t, testserver.Request{Query: q})
		if codes := r.Codes(); !slices.Equal(codes, []string{"BAD_USER_INPUT"}) {
			t.Errorf("%s: codes %v: %.300s", q, codes, r.Body)
			continue
		}
		if msg := r.Errors[0].Message; !strings.Contains(msg, "of articles must be between 0 and 100") {
			t.Errorf("%s: message %q does not name the argument", q, msg)
		}
		if f, _ := r.Errors[0].Extensions["field"].(string); f != "first" && f != "last" {
			t.Errorf("%s: extensions.field = %v", q, r.Errors[0].Extensions["field"])
		}
	}
}
