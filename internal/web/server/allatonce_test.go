package server_test

import (
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// wantErrors checks that got holds exactly the problems want, each given
// as field path (dot-joined), code and a fragment of its message.
func wantErrors(t *testing.T, what string, got []userError, want [][3]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: userErrors %+v, want %d: %v", what, got, len(want), want)
		return
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.Join(g.Field, ".") == w[0] && g.Code == w[1] && strings.Contains(g.Message, w[2]) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %v in %+v", what, w, got)
		}
	}
}

// TestMalformedIDsComeWithEveryOtherProblem: an id that does not parse
// (malformed, or of the wrong type) is one problem among the others of the
// same input, not a reason to hide them.
func TestMalformedIDsComeWithEveryOtherProblem(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	editor := s.Token(t, "desk", auth.Editor)
	articleID := globalID("Article", 2)

	got := create(t, s, editor, map[string]any{"title": "", "body": "x", "category": "nope", "authors": []string{"bad", articleID, globalID("Author", 999)}})
	wantErrors(t, "createArticle", got.UserErrors, [][3]string{
		{"input.title", "INVALID", "title is required"},
		{"input.category", "NOT_FOUND", `no section with slug "nope"`},
		{"input.authors", "INVALID", `invalid id "bad"`},
		{"input.authors", "INVALID", "is an Article id, not an Author id"},
		{"input.authors", "NOT_FOUND", `no author with id "` + globalID("Author", 999) + `"`},
	})

	p := create(t, s, editor, map[string]any{"title": "Fine"})
	if p.Article == nil {
		t.Fatalf("create: %+v", p.UserErrors)
	}
	got = mutate(t, s, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{
		"id": p.Article.ID, "update": map[string]any{"title": "", "category": "nope", "authors": []string{"bad"}},
	})
	wantErrors(t, "updateArticle", got.UserErrors, [][3]string{
		{"input.title", "INVALID", "title is required"},
		{"input.category", "NOT_FOUND", "nope"},
		{"input.authors", "INVALID", `invalid id "bad"`},
	})

	var related map[string]articlePayload
	s.MustData(t, testserver.Request{Query: `mutation($id: ID!, $ids: [ID!]!) { p: setRelatedArticles(id: $id, relatedIds: $ids) { ` + articleFields + ` } }`,
		Variables: map[string]any{"id": p.Article.ID, "ids": []string{"bad", globalID("Author", 1), globalID("Article", 999999)}}, Token: editor}, &related)
	wantErrors(t, "setRelatedArticles", related["p"].UserErrors, [][3]string{
		{"relatedIds", "INVALID", `invalid id "bad"`},
		{"relatedIds", "INVALID", "is an Author id, not an Article id"},
		{"relatedIds", "NOT_FOUND", `no article with id "` + globalID("Article", 999999) + `"`},
	})
}

// TestTakenSlugComesWithUnknownSection: a slug in use is reported with an
// unknown section, not after the section is fixed.
func TestTakenSlugComesWithUnknownSection(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	editor := s.Token(t, "desk", auth.Editor)
	got := create(t, s, editor, map[string]any{"title": "Fine", "slug": demo.SeedSlug, "body": "x", "category": "nope"})
	wantErrors(t, "createArticle", got.UserErrors, [][3]string{
		{"input.category", "NOT_FOUND", "nope"},
		{"input.slug", "TAKEN", demo.SeedSlug},
	})
}

// TestGeneratedSlugsGetASuffix: a section or author whose name makes a slug
// already in use gets name-2, as an article does, not a TAKEN error on a
// slug the client never sent; a slug that was sent is still TAKEN.
func TestGeneratedSlugsGetASuffix(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	admin := s.Token(t, "chief", auth.Admin)
	type payload struct {
		Node       *struct{ Slug string }
		UserErrors []userError
	}
	for _, tc := range []struct {
		mutation, input string
		in              map[string]any
		wantSlug        string
		wantErr         [][3]string
	}{
		{"createCategory", "CategoryInput", map[string]any{"name": "World"}, "world-2", nil},
		{"createCategory", "CategoryInput", map[string]any{"name": "World"}, "world-3", nil},
		{"createCategory", "CategoryInput", map[string]any{"name": "Mondo", "slug": "world"}, "", [][3]string{{"input.slug", "TAKEN", "world"}}},
		{"createAuthor", "AuthorInput", map[string]any{"name": "Giulia Marino"}, "giulia-marino-2", nil},
	} {
		obj := "category"
		if tc.mutation == "createAuthor" {
			obj = "author"
		}
		var got map[string]payload
		s.MustData(t, testserver.Request{Query: `mutation($in: ` + tc.input + `!) { p: ` + tc.mutation + `(input: $in) { node: ` + obj + ` { slug } userErrors { field message code } } }`,
			Variables: map[string]any{"in": tc.in}, Token: admin}, &got)
		p := got["p"]
		if tc.wantErr != nil {
			wantErrors(t, tc.mutation, p.UserErrors, tc.wantErr)
			continue
		}
		if p.Node == nil || p.Node.Slug != tc.wantSlug {
			t.Errorf("%s %v: %+v, want slug %q", tc.mutation, tc.in, p, tc.wantSlug)
		}
	}
}

// TestStatusFilterNeedsAnEditor: asking for drafts without a token is
// UNAUTHENTICATED (send one); with a reader's token it is FORBIDDEN, as for
// every other editor-only field.
func TestStatusFilterNeedsAnEditor(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	reader := s.Token(t, "site", auth.Reader)
	editor := s.Token(t, "desk", auth.Editor)
	for _, q := range []string{
		`{ articles(first: 2, filter: {status: [DRAFT]}) { nodes { title } } }`,
		`{ search(query: "korea", first: 2, filter: {status: [DRAFT]}) { nodes { title } } }`,
		`{ articles(first: 2, filter: {status: [PUBLISHED, SCHEDULED]}) { nodes { title } } }`,
	} {
		for _, tc := range []struct{ token, want string }{{"", "UNAUTHENTICATED"}, {reader, "FORBIDDEN"}, {editor, ""}} {
			r := s.Do(t, testserver.Request{Query: q, Token: tc.token})
			got := ""
			if len(r.Errors) > 0 {
				got = r.Errors[0].Code()
			}
			if got != tc.want {
				t.Errorf("%s with token %q: code %q (%s), want %q", q, tc.token, got, r.Body, tc.want)
			}
		}
	}
}

// TestUpdateAuthorNullClearsAvatar: avatarUrl: null removes the portrait;
// leaving the field out keeps it.
func TestUpdateAuthorNullClearsAvatar(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil)
	admin := s.Token(t, "chief", auth.Admin)
	var created struct {
		CreateAuthor struct{ Author struct{ ID string } }
	}
	s.MustData(t, testserver.Request{Query: `mutation { createAuthor(input: {name: "Pat Portrait", avatarUrl: "https://img.example/p.jpg"}) { author { id } } }`, Token: admin}, &created)
	id := created.CreateAuthor.Author.ID
	for _, tc := range []struct {
		name, input string
		want        *string
	}{
		{"left out keeps it", `{jobTitle: "Desk"}`, ptr("https://img.example/p.jpg")},
		{"null clears it", `{avatarUrl: null}`, nil},
		{"set again", `{avatarUrl: "https://img.example/q.jpg"}`, ptr("https://img.example/q.jpg")},
	} {
		var got struct {
			UpdateAuthor struct {
				Author     struct{ AvatarURL *string }
				UserErrors []userError
			}
		}
		s.MustData(t, testserver.Request{Query: `mutation($id: ID!) { updateAuthor(id: $id, input: ` + tc.input + `) { author { avatarUrl } userErrors { field message code } } }`,
			Variables: map[string]any{"id": id}, Token: admin}, &got)
		a := got.UpdateAuthor.Author.AvatarURL
		if (a == nil) != (tc.want == nil) || (a != nil && *a != *tc.want) {
			t.Errorf("%s: avatarUrl %v (%+v), want %v", tc.name, orNull(a), got.UpdateAuthor.UserErrors, orNull(tc.want))
		}
	}
	// As a variable, null clears too.
	var got struct {
		UpdateAuthor struct{ Author struct{ AvatarURL *string } }
	}
	s.MustData(t, testserver.Request{Query: `mutation($id: ID!, $in: UpdateAuthorInput!) { updateAuthor(id: $id, input: $in) { author { avatarUrl } } }`,
		Variables: map[string]any{"id": id, "in": map[string]any{"avatarUrl": nil}}, Token: admin}, &got)
	if got.UpdateAuthor.Author.AvatarURL != nil {
		t.Errorf("null in a variable: avatarUrl %q, want null", *got.UpdateAuthor.Author.AvatarURL)
	}
}

func orNull(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}
