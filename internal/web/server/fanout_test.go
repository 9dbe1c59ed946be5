package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestSubscriptionAnswersShared follows one live blog with subscribers
// that asked the same thing over three transports (one of them resuming
// from a cursor), one that selected other fields and an editor. Each event
// is executed once per group (same selection and viewer, whatever the
// transport or the cursor) and every reader of the group gets the same
// bytes.
func TestSubscriptionAnswersShared(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{})
		editor := s.Token(t, "fanout-desk", auth.Editor)
		blog := newLiveBlog(t, s.Server, editor, "Count night live")
		s.Settle(t)
		var page struct {
			Node struct{ LiveBlog struct{ Cursor string } }
		}
		gqlData(t, s.Server, "", `query($a: ID!) { node(id: $a) { ... on Article { liveBlog { cursor } } } }`, map[string]any{"a": blog}, &page)

		same := []*wsclient.Client{
			dialWS(t, s.URL, wsclient.TransportWS, ""),
			dialWS(t, s.URL, wsclient.GraphQLWS, ""),
			dialWS(t, s.URL, wsclient.TransportWS, ""),
		}
		subscribeWS(t, same[0], "b", liveBlogSub, map[string]any{"a": blog})
		subscribeWS(t, same[1], "b", liveBlogSub, map[string]any{"a": blog})
		subscribeWS(t, same[2], "b", liveBlogSub, map[string]any{"a": blog, "since": page.Node.LiveBlog.Cursor})
		sse := openSSE(t, s.URL, "", liveBlogSub, map[string]any{"a": blog})
		other := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, other, "o", `subscription($a: ID!) { liveBlogUpdated(articleId: $a) { kind entry { id } } }`, map[string]any{"a": blog})
		desk := dialWS(t, s.URL, wsclient.TransportWS, editor)
		subscribeWS(t, desk, "e", liveBlogSub, map[string]any{"a": blog})
		waitSubscribers(t, s, 6)

		executed0, shared0 := fanoutCounts(t, s)
		envelopes0 := server.EnvelopesWritten()
		const posts = 3
		for i := range posts {
			p := postEntry(t, s.Server, editor, blog, "Turnout is **up** in the north.")
			if p.Entry == nil {
				t.Fatalf("post %d: %+v", i, p.UserErrors)
			}
			var answers [][]byte
			for _, c := range same {
				_, r := nextWS(t, c, nil)
				answers = append(answers, r.Data)
			}
			name, raw := sse.next(t)
			if name != "next" {
				t.Fatalf("SSE event %s %s", name, raw)
			}
			for j, a := range answers {
				if !bytes.Equal(a, answers[0]) {
					t.Errorf("post %d: subscriber %d got %s, subscriber 0 got %s", i, j, a, answers[0])
				}
				if !bytes.Contains(a, []byte(p.Entry.ID)) || !bytes.Contains(a, []byte(`\u003cstrong\u003eup\u003c/strong\u003e`)) {
					t.Errorf("post %d: subscriber %d got %s", i, j, a)
				}
			}
			if !bytes.Contains(raw, answers[0]) {
				t.Errorf("post %d: SSE got %s, websockets %s", i, raw, answers[0])
			}
			if ch := nextChange(t, other); ch.Kind != "POSTED" || ch.Entry == nil || ch.Entry.ID != p.Entry.ID || ch.Entry.BodyHTML != "" {
				t.Errorf("post %d: other selection got %+v", i, ch)
			}
			if _, r := nextWS(t, desk, nil); !bytes.Equal(r.Data, answers[0]) {
				t.Errorf("post %d: editor got %s, readers %s", i, r.Data, answers[0])
			}
		}

		// Per event: one execution for the four readers, one for the other
		// selection, one for the editor; the three other readers share.
		executed, shared := fanoutCounts(t, s)
		if got, want := executed-executed0, 3.0*posts; got != want {
			t.Errorf("answers executed for %d posts = %v, want %v", posts, got, want)
		}
		if got, want := shared-shared0, 3.0*posts; got != want {
			t.Errorf("answers shared for %d posts = %v, want %v", posts, got, want)
		}
		// The five websocket subscribers' answers were written around the
		// shared bytes, not encoded again (other tests may add to the count).
		if got := server.EnvelopesWritten() - envelopes0; got < 5*posts {
			t.Errorf("%d websocket answers written around their payload for %d posts to 5 subscribers", got, posts)
		}
	})
}

// fanoutCounts reads the subscription answer counters from /metrics.
func fanoutCounts(t *testing.T, s *testserver.LiveServer) (executed, shared float64) {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	executed = metricValue(t, body, "broadsheet_subscription_answers_executed_total")
	shared = metricValue(t, body, "broadsheet_subscription_answers_shared_total")
	if executed < 0 || shared < 0 {
		t.Fatal("no subscription answer counters in /metrics")
	}
	return executed, shared
}
