package server_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestLiveBlogCache checks the live blog's caching: its first page is kept
// a few seconds and purged by every post; an older page (entries after a
// cursor) is kept long, survives new posts, and is purged when one of its
// entries is corrected.
func TestLiveBlogCache(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "cache-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Cached live")
		var ids []string
		for _, body := range []string{"One.", "Two.", "Three."} {
			ids = append(ids, postEntry(t, s.Server, editor, blog, body).Entry.ID)
		}
		// The blog's start and publication purge the article's key when
		// their events arrive: let them arrive before anything is cached.
		s.Settle(t)
		firstPage := `query($a: ID!) { node(id: $a) { ... on Article { title liveBlog { isLive entries(first: 2) { nodes { id } pageInfo { endCursor } } } } } }`
		get := func(query string, vars map[string]any) *testserver.Response {
			r := s.Do(t, testserver.Request{GET: true, Query: query, Variables: vars})
			if r.Status != 200 || len(r.Errors) > 0 {
				t.Fatalf("GET: %s", r)
			}
			return r
		}
		var page struct {
			Node struct {
				LiveBlog struct {
					Entries struct {
						Nodes    []struct{ ID string }
						PageInfo struct{ EndCursor string }
					}
				}
			}
		}
		r := get(firstPage, map[string]any{"a": blog})
		r.Decode(t, &page)
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=5, stale-while-revalidate=5" {
			t.Errorf("first page Cache-Control %q", cc)
		}
		if sk := r.Header.Get("Surrogate-Key"); !strings.Contains(sk, "liveblog:") {
			t.Errorf("first page Surrogate-Key %q", sk)
		}
		if got := page.Node.LiveBlog.Entries.Nodes; len(got) != 2 || got[0].ID != ids[2] {
			t.Fatalf("first page %+v", got)
		}
		older := `query($a: ID!, $after: String) { node(id: $a) { ... on Article { liveBlog { entries(first: 2, after: $after) { nodes { id bodyHtml } } } } } }`
		olderVars := map[string]any{"a": blog, "after": page.Node.LiveBlog.Entries.PageInfo.EndCursor}
		r = get(older, olderVars)
		if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=3600, stale-while-revalidate=86400" {
			t.Errorf("older page Cache-Control %q", cc)
		}
		if sk := r.Header.Get("Surrogate-Key"); sk != "article:"+entryRow(t, blog)+" liveentry:"+entryRow(t, ids[0]) {
			t.Errorf("older page Surrogate-Key %q", sk)
		}

		// A new post: the first page changes at once, the older page stays.
		four := postEntry(t, s.Server, editor, blog, "Four.").Entry.ID
		r = get(firstPage, map[string]any{"a": blog})
		r.Decode(t, &page)
		if r.Statements == 0 || page.Node.LiveBlog.Entries.Nodes[0].ID != four {
			t.Errorf("first page after a post: %d statements, %+v", r.Statements, page.Node.LiveBlog.Entries.Nodes)
		}
		if again := get(older, olderVars); again.Statements != 0 {
			t.Errorf("a new post purged the older page (%d statements)", again.Statements)
		}
		// A correction of an entry on the older page purges it.
		liveMutation(t, s.Server, editor, "$id: ID!, $in: UpdateLiveEntryInput!", "updateLiveEntry(id: $id, input: $in)",
			map[string]any{"id": ids[0], "in": map[string]any{"body": "One, corrected."}})
		if again := get(older, olderVars); again.Statements == 0 || !strings.Contains(string(again.Data), "corrected") {
			t.Errorf("the corrected entry's page was not purged: %s", again)
		}
	})
}

// entryRow returns the row id inside a LiveEntry global id.
func entryRow(t *testing.T, id string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(id)
	_, n, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok {
		t.Fatalf("id %q", id)
	}
	return n
}
