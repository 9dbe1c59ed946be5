package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

const liveArticleFields = `id title status version deletedAt category { slug } tags { slug } authors { name }`

type liveArticle struct {
	ID, Title, Status string
	Version           int
	DeletedAt         *string
	Category          *struct{ Slug string }
	Tags              []struct{ Slug string }
}

// readEvents reads n results and returns them by operation id.
func readEvents(t *testing.T, c *wsclient.Client, n int) map[string]*wsclient.Result {
	t.Helper()
	out := map[string]*wsclient.Result{}
	for range n {
		id, r := nextWS(t, c, nil)
		if _, dup := out[id]; dup {
			t.Fatalf("two events for %s before the others arrived: %s", id, r.Data)
		}
		out[id] = r
	}
	return out
}

func article(t *testing.T, r *wsclient.Result, field string) liveArticle {
	t.Helper()
	var data map[string]liveArticle
	if err := json.Unmarshal(r.Data, &data); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
	a, ok := data[field]
	if !ok {
		t.Fatalf("no %s in %s", field, r.Data)
	}
	return a
}

// TestLiveArticleLifecycle follows one article from draft to deletion with
// a reader and an editor subscribed, on both websocket subprotocols: the
// reader hears nothing of the draft, gets the publication and the
// correction, and a content-free notice when it is unpublished; the editor
// hears everything.
func TestLiveArticleLifecycle(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true})
		editor := s.Token(t, "live-editor", auth.Editor)
		for _, proto := range []string{wsclient.TransportWS, wsclient.GraphQLWS} {
			t.Run(proto, func(t *testing.T) {
				p := create(t, s.Server, editor, map[string]any{"title": "Draft from " + proto, "category": "world", "tags": []string{"Live Test"}})
				if p.Article == nil {
					t.Fatalf("create: %+v", p.UserErrors)
				}
				id := p.Article.ID
				// The creation event is published asynchronously (outbox,
				// relay, broker, hub): let it pass before subscribing, or it
				// reaches the new subscriptions late and every later read
				// is one event behind.
				s.Settle(t)
				reader := dialWS(t, s.URL, proto, "")
				subscribeWS(t, reader, "p", `subscription { articlePublished(category: "world") { `+liveArticleFields+` } }`, nil)
				subscribeWS(t, reader, "u", `subscription($id: ID!) { articleUpdated(id: $id) { `+liveArticleFields+` } }`, map[string]any{"id": id})
				ed := dialWS(t, s.URL, proto, editor)
				subscribeWS(t, ed, "u", `subscription($id: ID!) { articleUpdated(id: $id) { `+liveArticleFields+` } }`, map[string]any{"id": id})
				subscribeWS(t, ed, "c", `subscription { contentChanged { eventId type action actor objectId object { ... on Article { id status } } } }`, nil)
				waitSubscribers(t, s, 4)

				// A draft change: only the editor hears it.
				mutate(t, s.Server, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"title": "Draft, edited"}})
				got := readEvents(t, ed, 2)
				if a := article(t, got["u"], "articleUpdated"); a.Title != "Draft, edited" || a.Status != "DRAFT" {
					t.Errorf("editor's update = %+v", a)
				}
				var change struct {
					ContentChanged struct{ EventID, Type, Action, Actor, ObjectID string }
				}
				json.Unmarshal(got["c"].Data, &change)
				if c := change.ContentChanged; c.Type != "article.updated" || c.Action != "article.update" || c.Actor != "live-editor" || c.ObjectID != id || c.EventID != got["u"].Extensions.Event.ID {
					t.Errorf("contentChanged = %+v (event %s)", c, got["u"].Extensions.Event.ID)
				}

				// Publication: the reader's first events are these, so the
				// draft change never reached them.
				mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": id})
				rd := readEvents(t, reader, 2)
				pub, upd := article(t, rd["p"], "articlePublished"), article(t, rd["u"], "articleUpdated")
				if pub.ID != id || pub.Title != "Draft, edited" || pub.Status != "PUBLISHED" || pub.Category == nil || pub.Category.Slug != "world" || len(pub.Tags) != 1 || pub.Tags[0].Slug != "live-test" {
					t.Errorf("reader's articlePublished = %+v", pub)
				}
				if upd.Status != "PUBLISHED" {
					t.Errorf("reader's articleUpdated on publish = %+v", upd)
				}
				for op, r := range rd {
					if e := r.Extensions.Event; e.Type != "article.published" || e.ID == "" || e.OccurredAt == "" {
						t.Errorf("%s: extensions.event = %+v", op, e)
					}
				}
				if rd["p"].Extensions.Event.ID != rd["u"].Extensions.Event.ID {
					t.Errorf("one event, two ids: %s and %s", rd["p"].Extensions.Event.ID, rd["u"].Extensions.Event.ID)
				}
				readEvents(t, ed, 2)

				// A correction reaches articleUpdated, not articlePublished.
				mutate(t, s.Server, editor, "updateArticle(id: $id, input: $update)", "", map[string]any{"id": id, "update": map[string]any{"title": "Corrected"}})
				op, r := nextWS(t, reader, nil)
				if a := article(t, r, "articleUpdated"); op != "u" || a.Title != "Corrected" || a.Status != "PUBLISHED" {
					t.Errorf("reader's correction: %s %+v", op, a)
				}
				readEvents(t, ed, 2)

				// Unpublished: the reader learns the new status, nothing else.
				mutate(t, s.Server, editor, "unpublishArticle(id: $id)", "", map[string]any{"id": id})
				op, r = nextWS(t, reader, nil)
				if a := article(t, r, "articleUpdated"); op != "u" || a.ID != id || a.Status != "DRAFT" || a.Title != "" || a.Category != nil || len(a.Tags) != 0 || r.Extensions.Event.Type != "article.unpublished" {
					t.Errorf("reader's unpublish notice: %s %+v %+v", op, a, r.Extensions.Event)
				}
				got = readEvents(t, ed, 2)
				if a := article(t, got["u"], "articleUpdated"); a.Status != "DRAFT" || a.Title != "Corrected" {
					t.Errorf("editor's unpublish = %+v", a)
				}

				// Deleted: the editor sees deletedAt.
				mutate(t, s.Server, editor, "deleteArticle(id: $id)", "", map[string]any{"id": id})
				got = readEvents(t, ed, 2)
				if a := article(t, got["u"], "articleUpdated"); a.DeletedAt == nil || got["u"].Extensions.Event.Type != "article.deleted" {
					t.Errorf("editor's delete = %+v", a)
				}
				reader.Close()
				ed.Close()
				waitSubscribers(t, s, 0)
			})
		}
	})
}

// TestLivePublishedFilters checks articlePublished's category and tag
// filters over SSE: each stream's first event says which publication it
// heard first, so streams that must not hear the first one prove it.
func TestLivePublishedFilters(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true})
		editor := s.Token(t, "filters", auth.Editor)
		first := create(t, s.Server, editor, map[string]any{"title": "Filter one", "category": "world", "tags": []string{"Alpha"}}).Article
		second := create(t, s.Server, editor, map[string]any{"title": "Filter two", "category": "business", "tags": []string{"Beta", "Gamma"}}).Article
		cases := []struct {
			name, args string
			first      string // the first article the stream hears
			hearsBoth  bool
		}{
			{"no filter", "", first.ID, true},
			{"category world", `(category: "world")`, first.ID, false},
			{"category business", `(category: "business")`, second.ID, false},
			{"tag alpha", `(tags: ["alpha"])`, first.ID, false},
			{"any of two tags", `(tags: ["gamma", "delta"])`, second.ID, false},
			{"category and tag", `(category: "world", tags: ["beta"])`, "", false},
			{"category and tag of the second", `(category: "business", tags: ["beta"])`, second.ID, false},
		}
		streams := make([]*sseStream, len(cases))
		for i, c := range cases {
			streams[i] = openSSE(t, s.URL, "", `subscription { articlePublished`+c.args+` { id title } }`, nil)
		}
		// A probe stream to know when all were delivered.
		probe := openSSE(t, s.URL, "", `subscription { articlePublished { id } }`, nil)
		waitSubscribers(t, s, len(cases)+1)
		for _, a := range []*articleResult{first, second} {
			mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": a.ID})
		}
		probe.next(t)
		probe.next(t)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.first == "" {
					return // hears nothing: checked below by the last publication
				}
				name, data := streams[i].next(t)
				if name != "next" || !strings.Contains(string(data), c.first) {
					t.Fatalf("first event %s %s, want article %s", name, data, c.first)
				}
				if c.hearsBoth {
					if _, data := streams[i].next(t); !strings.Contains(string(data), second.ID) {
						t.Errorf("second event %s, want article %s", data, second.ID)
					}
				}
			})
		}
		// A third publication every stream hears: the streams that heard
		// nothing so far must hear it first.
		third := create(t, s.Server, editor, map[string]any{"title": "Filter three", "category": "world", "tags": []string{"Beta", "Alpha", "Gamma"}}).Article
		mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": third.ID})
		for i, c := range cases {
			if c.name == "category business" || c.name == "category and tag of the second" {
				continue
			}
			if _, data := streams[i].next(t); !strings.Contains(string(data), third.ID) {
				t.Errorf("%s: next event %s, want article %s", c.name, data, third.ID)
			}
		}
	})
}

// TestLiveBadTokenClose checks that a refused token in connection_init
// closes the websocket with the protocol's code, and that a reader may not
// use the editors' feed.
func TestLiveBadTokenClose(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	cases := []struct {
		proto, token string
		code         int
	}{
		{wsclient.TransportWS, "bst_unknownAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 4403},
		{wsclient.TransportWS, "not-a-token", 4403},
		{wsclient.GraphQLWS, "bst_unknownAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 4401},
	}
	for _, c := range cases {
		t.Run(c.proto+"/"+c.token[:6], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			_, err := wsclient.Dial(ctx, s.URL+"/graphql", c.proto, wsclient.Options{Init: map[string]any{"Authorization": "Bearer " + c.token}})
			ce, ok := wsclient.AsClose(err)
			if !ok || ce.Code != c.code || !strings.Contains(ce.Reason, "unauthorised") {
				t.Fatalf("dial with a bad token: %v, want close %d", err, c.code)
			}
		})
	}
	t.Run("reader asks for contentChanged", func(t *testing.T) {
		c := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, c, "1", `subscription { contentChanged { eventId } }`, nil)
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_, r, err := c.Next(ctx)
		if err == nil && len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "UNAUTHENTICATED" {
			return
		}
		if err != nil && strings.Contains(err.Error(), "UNAUTHENTICATED") {
			return
		}
		t.Fatalf("reader's contentChanged: %v %+v", err, r)
	})
	t.Run("nested lists refused", func(t *testing.T) {
		for _, q := range []string{
			`subscription { articlePublished { id category { articles(first: 5) { totalCount } } } }`,
			`subscription { articlePublished { id corrections { text } } }`,
			`subscription { articlePublished { id jsonLd } }`,
		} {
			c := dialWS(t, s.URL, wsclient.TransportWS, "")
			subscribeWS(t, c, "1", q, nil)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			_, r, err := c.Next(ctx)
			cancel()
			if !(err != nil && strings.Contains(err.Error(), "BAD_USER_INPUT")) && !(err == nil && len(r.Errors) > 0) {
				t.Fatalf("nested list in a subscription %s: %v %+v", q, err, r)
			}
		}
	})
	t.Run("origin", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_, err := wsclient.Dial(ctx, s.URL+"/graphql", wsclient.TransportWS, wsclient.Options{Header: http.Header{"Origin": {"https://evil.example"}}})
		if err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("foreign origin: %v, want HTTP 403", err)
		}
	})
}

// TestLiveScheduledPublication: a scheduled article coming due reaches
// articlePublished subscribers, with no mutation from anyone.
func TestLiveScheduledPublication(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		clock := testserver.NewClock(time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC))
		s := testserver.NewLive(t, db, testserver.LiveOptions{ServiceOptions: []content.Option{content.WithClock(clock.Now)}})
		editor := s.Token(t, "scheduler-test", auth.Editor)
		a := create(t, s.Server, editor, map[string]any{"title": "Embargoed until ten"}).Article
		p := mutate(t, s.Server, editor, "publishArticle(id: $id, at: $at)", "", map[string]any{"id": a.ID, "at": "2030-05-01T10:00:00Z"})
		if p.Article == nil || p.Article.Status != "SCHEDULED" {
			t.Fatalf("schedule: %+v", p)
		}
		c := dialWS(t, s.URL, wsclient.TransportWS, "")
		subscribeWS(t, c, "p", `subscription { articlePublished { id status } }`, nil)
		waitSubscribers(t, s, 1)
		clock.Advance(2 * time.Hour)
		if n, err := s.Content.PublishDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("PublishDue: %d, %v", n, err)
		}
		var got struct{ ArticlePublished struct{ ID, Status string } }
		_, r := nextWS(t, c, &got)
		if got.ArticlePublished.ID != a.ID || got.ArticlePublished.Status != "PUBLISHED" || r.Extensions.Event.Type != "article.published" {
			t.Errorf("scheduled publication: %+v %+v", got, r.Extensions.Event)
		}
	})
}
