package server_test

import (
	"encoding/json"
	"testing"

	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// liveBlogSub is the liveBlogUpdated subscription the tests use.
const liveBlogSub = `subscription($a: ID!, $since: String) { liveBlogUpdated(articleId: $a, since: $since) {
  kind entryId cursor entry { id title bodyHtml blocks { __typename ... on ParagraphBlock { text } } version isPinned isKeyEvent correction { text at } authors { name } } } }`

type liveEntryResult struct {
	ID       string
	Title    *string
	BodyHTML string
	Blocks   []struct {
		Typename string `json:"__typename"`
		Text     string
	}
	Version    int
	IsPinned   bool
	IsKeyEvent bool
	Correction *struct{ Text, At string }
	Authors    []struct{ Name string }
}

type liveChange struct {
	Kind    string
	EntryID *string
	Cursor  string
	Entry   *liveEntryResult
}

type liveEntryPayload struct {
	Entry      *liveEntryResult
	UserErrors []struct {
		Field []string
		Code  string
	}
}

// gqlData runs a query that must succeed and decodes its data into v.
func gqlData(t *testing.T, s *testserver.Server, token, query string, vars map[string]any, v any) {
	t.Helper()
	s.MustData(t, testserver.Request{Query: query, Variables: vars, Token: token}, v)
}

// newLiveBlog creates a published article, makes it a live blog and
// returns its id.
func newLiveBlog(t *testing.T, s *testserver.Server, editor, title string) string {
	t.Helper()
	p := create(t, s, editor, map[string]any{"title": title, "body": "What we know so far.", "status": "PUBLISHED"})
	if p.Article == nil {
		t.Fatalf("create %q: %+v", title, p.UserErrors)
	}
	var out struct {
		StartLiveBlog struct {
			LiveBlog   *struct{ IsLive bool }
			UserErrors []struct{ Code string }
		}
	}
	gqlData(t, s, editor, `mutation($a: ID!) { startLiveBlog(articleId: $a) { liveBlog { isLive } userErrors { code } } }`, map[string]any{"a": p.Article.ID}, &out)
	if out.StartLiveBlog.LiveBlog == nil || !out.StartLiveBlog.LiveBlog.IsLive {
		t.Fatalf("startLiveBlog: %+v", out.StartLiveBlog)
	}
	return p.Article.ID
}

const liveEntryFields = `entry { id title bodyHtml version isPinned isKeyEvent correction { text at } authors { name } } userErrors { field code }`

// liveMutation runs one live-entry mutation and returns its payload.
func liveMutation(t *testing.T, s *testserver.Server, token, decl, call string, vars map[string]any) liveEntryPayload {
	t.Helper()
	var out map[string]liveEntryPayload
	gqlData(t, s, token, "mutation("+decl+") { p: "+call+" { "+liveEntryFields+" } }", vars, &out)
	return out["p"]
}

func postEntry(t *testing.T, s *testserver.Server, token, articleID, body string) liveEntryPayload {
	t.Helper()
	return liveMutation(t, s, token, "$a: ID!, $in: LiveEntryInput!", "postLiveEntry(articleId: $a, input: $in)",
		map[string]any{"a": articleID, "in": map[string]any{"body": body}})
}

// nextChange reads the next liveBlogUpdated change of a websocket.
func nextChange(t *testing.T, c *wsclient.Client) liveChange {
	t.Helper()
	var out struct{ LiveBlogUpdated liveChange }
	nextWS(t, c, &out)
	return out.LiveBlogUpdated
}

// sseChange reads the next liveBlogUpdated change of an SSE stream.
func sseChange(t *testing.T, s *sseStream) liveChange {
	t.Helper()
	name, data := s.next(t)
	var out struct {
		Data   struct{ LiveBlogUpdated liveChange }
		Errors []any
	}
	if err := json.Unmarshal(data, &out); err != nil || name != "next" || len(out.Errors) > 0 {
		t.Fatalf("SSE event %s %s (%v)", name, data, err)
	}
	return out.Data.LiveBlogUpdated
}
