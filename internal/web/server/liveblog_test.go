package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestLiveBlogChangesLive follows a live blog over both websocket
// protocols and SSE at once: a post, a correction, a pin, a key event, a
// deletion and the end reach every reader in order, as they happen.
func TestLiveBlogChangesLive(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "live-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Storm live")
		s.Settle(t)
		ws1 := dialWS(t, s.URL, wsclient.TransportWS, "")
		ws2 := dialWS(t, s.URL, wsclient.GraphQLWS, "")
		subscribeWS(t, ws1, "b", liveBlogSub, map[string]any{"a": blog})
		subscribeWS(t, ws2, "b", liveBlogSub, map[string]any{"a": blog})
		sse := openSSE(t, s.URL, "", liveBlogSub, map[string]any{"a": blog})
		waitSubscribers(t, s, 3)
		read := func() []liveChange {
			return []liveChange{nextChange(t, ws1), nextChange(t, ws2), sseChange(t, sse)}
		}

		var author struct {
			CreateAuthor struct{ Author struct{ ID string } }
		}
		gqlData(t, s.Server, s.Token(t, "live-admin", auth.Admin), `mutation { createAuthor(input: {name: "Rosa Field"}) { author { id } } }`, nil, &author)
		posted := liveMutation(t, s.Server, editor, "$a: ID!, $in: LiveEntryInput!", "postLiveEntry(articleId: $a, input: $in)",
			map[string]any{"a": blog, "in": map[string]any{"body": "The storm made **landfall** at 09:10.", "authors": []string{author.CreateAuthor.Author.ID}}})
		if posted.Entry == nil || len(posted.Entry.Authors) != 1 || posted.Entry.Authors[0].Name != "Rosa Field" {
			t.Fatalf("post: %+v %+v", posted.Entry, posted.UserErrors)
		}
		id := posted.Entry.ID
		for i, c := range read() {
			if c.Kind != "POSTED" || c.Entry == nil || c.Entry.ID != id || !strings.Contains(c.Entry.BodyHTML, "<strong>landfall</strong>") || c.Cursor == "" ||
				len(c.Entry.Blocks) != 1 || c.Entry.Blocks[0].Typename != "ParagraphBlock" || c.Entry.Blocks[0].Text != "The storm made landfall at 09:10." ||
				len(c.Entry.Authors) != 1 || c.Entry.Authors[0].Name != "Rosa Field" {
				t.Errorf("reader %d: posted = %+v", i, c)
			}
		}

		up := liveMutation(t, s.Server, editor, "$id: ID!, $in: UpdateLiveEntryInput!, $v: Int", "updateLiveEntry(id: $id, input: $in, expectedVersion: $v)",
			map[string]any{"id": id, "v": 1, "in": map[string]any{"body": "The storm made landfall at 09:40.", "correction": "An earlier version gave the wrong time."}})
		if up.Entry == nil || up.Entry.Version != 2 || up.Entry.Correction == nil {
			t.Fatalf("update: %+v", up)
		}
		for i, c := range read() {
			if c.Kind != "UPDATED" || c.Entry == nil || !strings.Contains(c.Entry.BodyHTML, "09:40") || c.Entry.Correction == nil || c.Entry.Correction.Text != "An earlier version gave the wrong time." {
				t.Errorf("reader %d: correction = %+v", i, c)
			}
		}

		liveMutation(t, s.Server, editor, "$id: ID!", "pinLiveEntry(id: $id, pinned: true)", map[string]any{"id": id})
		for i, c := range read() {
			if c.Kind != "PINNED" || c.Entry == nil || !c.Entry.IsPinned {
				t.Errorf("reader %d: pinned = %+v", i, c)
			}
		}
		liveMutation(t, s.Server, editor, "$id: ID!", "markKeyEvent(id: $id, keyEvent: true)", map[string]any{"id": id})
		for i, c := range read() {
			if c.Kind != "UPDATED" || c.Entry == nil || !c.Entry.IsKeyEvent {
				t.Errorf("reader %d: key event = %+v", i, c)
			}
		}

		var page struct {
			Node struct {
				LiveBlog struct {
					IsLive     bool
					EntryCount int
					Pinned     []struct{ ID string }
					KeyEvents  []struct{ ID string }
					Entries    struct{ Nodes []struct{ ID string } }
				}
			}
		}
		gqlData(t, s.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { isLive entryCount pinned { id } keyEvents { id } entries(first: 5) { nodes { id } } } } } }`, map[string]any{"a": blog}, &page)
		if lb := page.Node.LiveBlog; !lb.IsLive || lb.EntryCount != 1 || len(lb.Pinned) != 1 || len(lb.KeyEvents) != 1 || len(lb.Entries.Nodes) != 1 || lb.Entries.Nodes[0].ID != id {
			t.Errorf("live blog page = %+v", lb)
		}

		liveMutation(t, s.Server, editor, "$id: ID!", "deleteLiveEntry(id: $id)", map[string]any{"id": id})
		for i, c := range read() {
			if c.Kind != "DELETED" || c.Entry != nil || c.EntryID == nil || *c.EntryID != id {
				t.Errorf("reader %d: deleted = %+v", i, c)
			}
		}
		gqlData(t, s.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { isLive entryCount pinned { id } keyEvents { id } entries(first: 5) { nodes { id } } } } } }`, map[string]any{"a": blog}, &page)
		if lb := page.Node.LiveBlog; lb.EntryCount != 0 || len(lb.Pinned) != 0 || len(lb.Entries.Nodes) != 0 {
			t.Errorf("a deleted entry is still shown: %+v", lb)
		}
		var node struct{ Node *struct{ ID string } }
		gqlData(t, s.Server, "", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &node)
		if node.Node != nil {
			t.Errorf("node(id:) of a deleted entry = %+v", node.Node)
		}

		gqlData(t, s.Server, editor, `mutation($a: ID!) { endLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}, &map[string]any{})
		for i, c := range read() {
			if c.Kind != "ENDED" || c.Entry != nil || c.EntryID != nil {
				t.Errorf("reader %d: ended = %+v", i, c)
			}
		}

		// Every change is in the audit log, by the editor who made it.
		var audit struct {
			AuditLog struct {
				Nodes []struct{ Action, Actor, Outcome string }
			}
		}
		gqlData(t, s.Server, s.Token(t, "live-auditor", auth.Admin), `{ auditLog(first: 20, filter: {actor: "live-desk"}) { nodes { action actor outcome } } }`, nil, &audit)
		var actions []string
		for _, n := range audit.AuditLog.Nodes {
			if n.Outcome == "ok" {
				actions = append(actions, n.Action)
			}
		}
		want := "liveblog.end liveentry.delete liveentry.key_event liveentry.pin liveentry.update liveentry.post liveblog.start article.create"
		if got := strings.Join(actions, " "); got != want {
			t.Errorf("audit log, newest first: %s\nwant %s", got, want)
		}
	})
}

// TestLiveBlogResume checks reconnecting with since: the changes missed
// while away come first, in order, each once, then live ones; the missed
// changes are read from the database, so they arrive even when they were
// never published to a broker (a replica that restarted).
func TestLiveBlogResume(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "resume-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Election night")
		s.Settle(t)
		first := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, first, "b", liveBlogSub, map[string]any{"a": blog})
		waitSubscribers(t, s, 1)
		postEntry(t, s.Server, editor, blog, "Polls close.")
		seen := nextChange(t, first)
		first.Close()
		waitSubscribers(t, s, 0)

		// While the reader is away: three entries, one corrected.
		var missed []string
		for _, body := range []string{"First results.", "Turnout is high.", "A recount is called."} {
			missed = append(missed, postEntry(t, s.Server, editor, blog, body).Entry.ID)
		}
		liveMutation(t, s.Server, editor, "$id: ID!, $in: UpdateLiveEntryInput!", "updateLiveEntry(id: $id, input: $in)",
			map[string]any{"id": missed[1], "in": map[string]any{"body": "Turnout is the highest since 1992."}})
		s.Settle(t)

		want := []struct{ kind, id string }{{"POSTED", missed[0]}, {"POSTED", missed[1]}, {"POSTED", missed[2]}, {"UPDATED", missed[1]}}
		for _, proto := range []string{wsclient.GraphQLWS, wsclient.TransportWS} {
			back := dialWS(t, s.URL, proto, "")
			subscribeWS(t, back, "b", liveBlogSub, map[string]any{"a": blog, "since": seen.Cursor})
			last := seen.Cursor
			for i, w := range want {
				c := nextChange(t, back)
				if c.Kind != w.kind || c.EntryID == nil || *c.EntryID != w.id || c.Cursor == last {
					t.Fatalf("%s: replayed change %d = %s %v, want %s %s", proto, i, c.Kind, c.EntryID, w.kind, w.id)
				}
				last = c.Cursor
			}
			// Then live ones, none replayed twice.
			waitSubscribers(t, s, 1)
			next := postEntry(t, s.Server, editor, blog, "Live after "+proto).Entry.ID
			if c := nextChange(t, back); c.Kind != "POSTED" || *c.EntryID != next {
				t.Fatalf("%s: after the replay got %s %v, want the new entry %s", proto, c.Kind, c.EntryID, next)
			}
			// The next reconnection from the same cursor also gets this one.
			want = append(want, struct{ kind, id string }{"POSTED", next})
			back.Close()
			waitSubscribers(t, s, 0)
		}
		// The same over SSE.
		sse := openSSE(t, s.URL, "", liveBlogSub, map[string]any{"a": blog, "since": seen.Cursor})
		for i, w := range want {
			if c := sseChange(t, sse); c.Kind != w.kind || c.EntryID == nil || *c.EntryID != w.id {
				t.Fatalf("SSE: replayed change %d = %s %v, want %s %s", i, c.Kind, c.EntryID, w.kind, w.id)
			}
		}
		waitSubscribers(t, s, 1)
		next := postEntry(t, s.Server, editor, blog, "Live after SSE").Entry.ID
		if c := sseChange(t, sse); c.Kind != "POSTED" || *c.EntryID != next {
			t.Fatalf("SSE: after the replay got %s %v, want the new entry %s", c.Kind, c.EntryID, next)
		}
	})
}

// TestLiveBlogResumeUnpublished replays changes a replica committed but
// never relayed (its relay stopped, as after a crash before publishing).
func TestLiveBlogResumeUnpublished(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{NoRelay: true})
	editor := s.Token(t, "crash-desk", auth.Editor)
	blog := newLiveBlog(t, s.Server, editor, "Unrelayed")
	one := postEntry(t, s.Server, editor, blog, "One.").Entry.ID
	two := postEntry(t, s.Server, editor, blog, "Two.").Entry.ID
	// A cursor from before both entries: the start's change.
	cursor := live.EncodeCursor(1, time.Now())
	c := dialWS(t, s.URL, wsclient.TransportWS, "")
	subscribeWS(t, c, "b", liveBlogSub, map[string]any{"a": blog, "since": cursor})
	got := []liveChange{nextChange(t, c), nextChange(t, c), nextChange(t, c)}
	if got[0].Kind != "STARTED" || got[1].Kind != "POSTED" || *got[1].EntryID != one || got[2].Kind != "POSTED" || *got[2].EntryID != two {
		t.Fatalf("replay without a relay = %+v", got)
	}
}

// TestLiveBlogBadInput covers what editors and clients get wrong.
func TestLiveBlogBadInput(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{
			ServiceOptions: []content.Option{content.WithMaxEntryBytes(200)},
			Hub:            live.Options{Retention: time.Hour},
		})
		editor := s.Token(t, "bad-desk", auth.Editor)
		other := s.Token(t, "other-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Bad input live")
		plain := create(t, s.Server, editor, map[string]any{"title": "Not a live blog", "status": "PUBLISHED"}).Article.ID

		codes := func(p liveEntryPayload) string {
			var out []string
			for _, e := range p.UserErrors {
				out = append(out, e.Code+"@"+strings.Join(e.Field, "."))
			}
			return strings.Join(out, ",")
		}
		if got := codes(postEntry(t, s.Server, editor, plain, "Hello")); got != "NOT_LIVE_BLOG@articleId" {
			t.Errorf("post to a plain article: %s", got)
		}
		if got := codes(postEntry(t, s.Server, editor, blog, strings.Repeat("x", 201))); got != "INVALID@input.body" {
			t.Errorf("post over --max-entry-bytes: %s", got)
		}
		if got := codes(postEntry(t, s.Server, editor, blog, "  ")); got != "INVALID@input.body" {
			t.Errorf("post of an empty body: %s", got)
		}

		// Two editors correct the same version: the second gets CONFLICT
		// and the entry as the first left it.
		id := postEntry(t, s.Server, editor, blog, "Casualties: 3.").Entry.ID
		correct := func(token, body string) liveEntryPayload {
			return liveMutation(t, s.Server, token, "$id: ID!, $in: UpdateLiveEntryInput!, $v: Int", "updateLiveEntry(id: $id, input: $in, expectedVersion: $v)",
				map[string]any{"id": id, "v": 1, "in": map[string]any{"body": body}})
		}
		if p := correct(editor, "Casualties: 4."); codes(p) != "" || p.Entry.Version != 2 || p.Entry.Correction == nil || p.Entry.Correction.Text != content.DefaultCorrection {
			t.Errorf("first correction: %+v", p)
		}
		if p := correct(other, "Casualties: 5."); codes(p) != "CONFLICT@" || p.Entry == nil || !strings.Contains(p.Entry.BodyHTML, "4.") {
			t.Errorf("second correction of version 1: %s %+v", codes(p), p.Entry)
		}
		var hist struct {
			Node struct {
				History []struct {
					Version int
					Body    string
				}
			}
		}
		gqlData(t, s.Server, editor, `query($id: ID!) { node(id: $id) { ... on LiveEntry { history { version body } } } }`, map[string]any{"id": id}, &hist)
		if h := hist.Node.History; len(h) != 1 || h[0].Version != 1 || h[0].Body != "Casualties: 3." {
			t.Errorf("history = %+v", h)
		}

		gqlData(t, s.Server, editor, `mutation($a: ID!) { endLiveBlog(articleId: $a) { userErrors { code } } }`, map[string]any{"a": blog}, &map[string]any{})
		if got := codes(postEntry(t, s.Server, editor, blog, "Too late")); got != "LIVE_BLOG_ENDED@articleId" {
			t.Errorf("post to an ended blog: %s", got)
		}

		subErr := func(vars map[string]any) string {
			c := dialWS(t, s.URL, wsclient.TransportWS, "")
			subscribeWS(t, c, "b", liveBlogSub, vars)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			_, r, err := c.Next(ctx)
			if err != nil {
				return err.Error()
			}
			b, _ := json.Marshal(r.Errors)
			return string(b)
		}
		cases := []struct {
			name        string
			vars        map[string]any
			code, field string
		}{
			{"malformed cursor", map[string]any{"a": blog, "since": "not-a-cursor"}, "BAD_USER_INPUT", "since"},
			{"cursor older than the retention", map[string]any{"a": blog, "since": live.EncodeCursor(1, time.Now().Add(-2*time.Hour))}, "CURSOR_EXPIRED", ""},
			{"not a live blog", map[string]any{"a": plain}, "NOT_FOUND", "articleId"},
			{"malformed article id", map[string]any{"a": "not-an-id"}, "BAD_USER_INPUT", "articleId"},
		}
		for _, c := range cases {
			got := subErr(c.vars)
			if !strings.Contains(got, `"code":"`+c.code+`"`) || (c.field != "" && !strings.Contains(got, `"field":"`+c.field+`"`)) {
				t.Errorf("%s: %s, want %s on %q", c.name, got, c.code, c.field)
			}
		}
	})
}

// TestLiveBlogPageCursor reads a page with its cursor, lets an entry be
// posted before subscribing, and subscribes from the page's cursor: the
// entry posted in between arrives first.
func TestLiveBlogPageCursor(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "page-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Page then subscribe")
		postEntry(t, s.Server, editor, blog, "Before the page.")
		var page struct {
			Node struct {
				LiveBlog struct {
					Cursor  *string
					Entries struct{ Nodes []struct{ ID string } }
				}
			}
		}
		gqlData(t, s.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { cursor entries(first: 10) { nodes { id } } } } } }`, map[string]any{"a": blog}, &page)
		if page.Node.LiveBlog.Cursor == nil || len(page.Node.LiveBlog.Entries.Nodes) != 1 {
			t.Fatalf("page = %+v", page.Node.LiveBlog)
		}
		between := postEntry(t, s.Server, editor, blog, "Between the page and the subscription.").Entry.ID
		s.Settle(t)
		c := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, c, "b", liveBlogSub, map[string]any{"a": blog, "since": *page.Node.LiveBlog.Cursor})
		if got := nextChange(t, c); got.Kind != "POSTED" || *got.EntryID != between {
			t.Fatalf("first change %s %v, want %s posted", got.Kind, got.EntryID, between)
		}
	})
}
