package server_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// Helpers of the preview and review tests (staged changes, preview links,
// take-downs and embargoes).

// call runs a mutation or query and returns its one root field's value.
func call(t *testing.T, s *testserver.Server, token, query string, vars map[string]any) json.RawMessage {
	t.Helper()
	var got map[string]json.RawMessage
	s.MustData(t, testserver.Request{Query: query, Variables: vars, Token: token}, &got)
	if len(got) != 1 {
		t.Fatalf("want one root field, got %s", mustJSON(got))
	}
	for _, v := range got {
		return v
	}
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// payload runs an article mutation selecting articleFields.
func payload(t *testing.T, s *testserver.Server, token, mutation string, vars map[string]any) articlePayload {
	t.Helper()
	var p articlePayload
	if err := json.Unmarshal(call(t, s, token, mutation, vars), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// codes lists the user errors' codes.
func codes(errs []userError) []string {
	out := []string{}
	for _, e := range errs {
		out = append(out, e.Code)
	}
	return out
}

// hasCode reports whether errs hold code.
func hasCode(errs []userError, code string) bool { return slices.Contains(codes(errs), code) }

const (
	stageMutation   = `mutation($id: ID!, $in: UpdateArticleInput!, $v: Int) { p: updateArticle(id: $id, input: $in, expectedVersion: $v, stage: true) { ` + articleFields + ` } }`
	publishChanges  = `mutation($id: ID!, $v: Int, $at: Time) { p: publishChanges(id: $id, expectedVersion: $v, at: $at) { ` + articleFields + ` } }`
	discardChanges  = `mutation($id: ID!, $v: Int) { p: discardChanges(id: $id, expectedVersion: $v) { ` + articleFields + ` } }`
	unpublishAt     = `mutation($id: ID!, $at: Time) { p: unpublishArticle(id: $id, at: $at) { ` + articleFields + ` } }`
	publishAt       = `mutation($id: ID!, $at: Time) { p: publishArticle(id: $id, at: $at) { ` + articleFields + ` } }`
	previewLinkMut  = `mutation($id: ID!, $exp: Int) { p: createPreviewLink(id: $id, expiresIn: $exp) { url token expiresAt userErrors { field message code } } }`
	revokePreviews  = `mutation($id: ID!) { p: revokePreviewLinks(id: $id) { ` + articleFields + ` } }`
	previewQuery    = `query($token: String!, $id: ID) { articlePreview(token: $token, id: $id) { id title subtitle bodyHtml status version authors { name } category { slug } tags { name } related(first: 3) { id } } }`
	readerLookup    = `query($slug: String!) { article(slug: $slug) { id title bodyHtml version } }`
	readerHome      = `{ articles(first: 50) { nodes { id title } } }`
	readerSearch    = `query($q: String!) { search(query: $q, first: 10) { totalCount nodes { id title } } }`
	pendingQuery    = `query($id: ID!) { node(id: $id) { ... on Article { title version hasPendingChanges pendingChanges { stagedBy stagedAt publishAt changedFields article { title bodyHtml tags { name } } } } } }`
	revisionActions = `query($id: ID!) { node(id: $id) { ... on Article { revisions(first: 50) { action } } } }`
)

type previewLink struct {
	URL, Token *string
	ExpiresAt  *string
	UserErrors []userError
}

func createLink(t *testing.T, s *testserver.Server, token, id string, expiresIn any) previewLink {
	t.Helper()
	var l previewLink
	if err := json.Unmarshal(call(t, s, token, previewLinkMut, map[string]any{"id": id, "exp": expiresIn}), &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// pendingView is what an editor sees of staged changes.
type pendingView struct {
	Node struct {
		Title             string
		Version           int
		HasPendingChanges bool
		PendingChanges    *struct {
			StagedBy, StagedAt string
			PublishAt          *string
			ChangedFields      []string
			Article            struct {
				Title, BodyHTML string
				Tags            []struct{ Name string }
			}
		}
	}
}

func pendingOf(t *testing.T, s *testserver.Server, editor, id string) pendingView {
	t.Helper()
	var v pendingView
	s.MustData(t, testserver.Request{Token: editor, Query: pendingQuery, Variables: map[string]any{"id": id}}, &v)
	return v
}

// readerTitle is the title a reader gets for slug over GET (through the
// response cache), "" when the article is not found.
func readerTitle(t *testing.T, s *testserver.Server, slug string) string {
	t.Helper()
	var got struct{ Article *struct{ Title string } }
	s.MustData(t, testserver.Request{GET: true, Query: readerLookup, Variables: map[string]any{"slug": slug}}, &got)
	if got.Article == nil {
		return ""
	}
	return got.Article.Title
}

// readerVersion is the version a reader gets for slug (POST, uncached).
func readerVersion(t *testing.T, s *testserver.Server, slug string) int {
	t.Helper()
	var got struct{ Article *struct{ Version int } }
	s.MustData(t, testserver.Request{Query: readerLookup, Variables: map[string]any{"slug": slug}}, &got)
	if got.Article == nil {
		t.Fatalf("a reader does not find %q", slug)
	}
	return got.Article.Version
}

// homeTitles are the titles of a reader's first page of articles (GET).
func homeTitles(t *testing.T, s *testserver.Server) []string {
	t.Helper()
	var got struct {
		Articles struct{ Nodes []struct{ Title string } }
	}
	s.MustData(t, testserver.Request{GET: true, Query: readerHome}, &got)
	var out []string
	for _, n := range got.Articles.Nodes {
		out = append(out, n.Title)
	}
	return out
}

// searchCount is how many results a reader's search finds (GET).
func searchCount(t *testing.T, s *testserver.Server, q string) int {
	t.Helper()
	var got struct{ Search struct{ TotalCount int } }
	s.MustData(t, testserver.Request{GET: true, Query: readerSearch, Variables: map[string]any{"q": q}}, &got)
	return got.Search.TotalCount
}
