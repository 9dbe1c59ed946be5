package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/events/pubsub"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/brokertest"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

func openBroker(t *testing.T, url string) pubsub.Broker {
	t.Helper()
	b, err := pubsub.Open(url, pubsub.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func publishedID(t *testing.T, c *wsclient.Client) string {
	t.Helper()
	var got struct{ ArticlePublished struct{ ID string } }
	nextWS(t, c, &got)
	return got.ArticlePublished.ID
}

// TestLiveReplicas runs two gateways on one MariaDB database and one broker
// (Redis, then NATS): a mutation on either reaches subscribers on both. Then
// replica B is cut off its broker: it says so on /readyz/live, queries and
// mutations go on working on both, and when the link is back B's
// subscribers get what A published meanwhile and the event B's own mutation
// left in the outbox reaches everyone.
func TestLiveReplicas(t *testing.T) {
	t.Parallel()
	brokers := map[string]func(testing.TB) string{"redis": brokertest.RedisURL, "nats": brokertest.NATSURL}
	for _, name := range []string{"redis", "nats"} {
		t.Run(name, func(t *testing.T) {
			url := brokertest.WithTopic(t, brokers[name](t))
			db := dbtest.Open(t, dbconn.MySQL)
			proxy := brokertest.NewProxy(t, hostPort(t, url))
			a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url), Demo: true})
			b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, proxy.URL(t, url))})
			wait.Until(t, "both replicas ready", func() bool {
				return status(t, a.URL+"/readyz/live") == 200 && status(t, b.URL+"/readyz/live") == 200
			})
			editor := a.Token(t, "replicas", auth.Editor)
			onA, onB := dialWS(t, a.URL, wsclient.TransportWS, ""), dialWS(t, b.URL, wsclient.GraphQLWS, "")
			for _, c := range []*wsclient.Client{onA, onB} {
				subscribeWS(t, c, "p", `subscription { articlePublished { id } }`, nil)
			}
			waitSubscribers(t, a, 1)
			waitSubscribers(t, b, 1)

			draft := func(s *testserver.LiveServer, title string) string {
				p := create(t, s.Server, editor, map[string]any{"title": title})
				if p.Article == nil {
					t.Fatalf("create on a replica: %+v", p.UserErrors)
				}
				return p.Article.ID
			}
			publish := func(s *testserver.LiveServer, id string) {
				if p := mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": id}); p.Article == nil || p.Article.Status != "PUBLISHED" {
					t.Fatalf("publish: %+v", p)
				}
			}
			first := draft(a, "Across replicas")
			publish(a, first)
			for side, c := range map[string]*wsclient.Client{"A": onA, "B": onB} {
				if got := publishedID(t, c); got != first {
					t.Errorf("subscriber on %s got %s, want %s", side, got, first)
				}
			}
			if loads := b.Hub.Stats().Loads; loads != 1 {
				t.Errorf("replica B loaded %d objects for one event, want 1", loads)
			}

			proxy.Cut()
			wait.Until(t, "B to report live updates not ready", func() bool { return status(t, b.URL+"/readyz/live") == 503 })
			if code := status(t, b.URL+"/readyz"); code != 200 {
				t.Errorf("B's /readyz during the outage: %d, want 200 (queries and mutations work)", code)
			}
			during := draft(a, "Published during the outage")
			publish(a, during)
			if got := publishedID(t, onA); got != during {
				t.Errorf("subscriber on A got %s, want %s", got, during)
			}
			fromB := draft(b, "Published on the cut-off replica")
			publish(b, fromB)
			wait.Until(t, "B's event to wait in the outbox", func() bool {
				n, err := b.Relay.Backlog(context.Background())
				return err == nil && n > 0
			})

			proxy.Restore()
			if got := publishedID(t, onB); got != during {
				t.Errorf("after the outage B's subscriber first got %s, want %s (published on A meanwhile)", got, during)
			}
			if got := publishedID(t, onB); got != fromB {
				t.Errorf("then %s, want %s (B's own, from the outbox)", got, fromB)
			}
			if got := publishedID(t, onA); got != fromB {
				t.Errorf("A's subscriber got %s, want %s", got, fromB)
			}
			wait.Until(t, "B ready again", func() bool { return status(t, b.URL+"/readyz/live") == 200 })
		})
	}
}

// TestLiveReplicaOnAnotherBroker: a replica on the in-memory broker shares
// the MariaDB database with a replica on Redis. Articles published on
// either reach the Redis replica's subscriber, every one, and the memory
// replica's own subscriber too: neither relay takes the other's events. A
// relay is woken by its own replica's commits; the other's reach it at its
// next sweep.
func TestLiveReplicaOnAnotherBroker(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs MariaDB and Redis")
	}
	url := brokertest.WithTopic(t, brokertest.RedisURL(t))
	db := dbtest.Open(t, dbconn.MySQL)
	sweep := 200 * time.Millisecond
	onRedis := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url), Demo: true, Sweep: sweep})
	onMemory := testserver.NewLive(t, db, testserver.LiveOptions{Sweep: sweep})
	if onRedis.Relay.Consumer() == onMemory.Relay.Consumer() {
		t.Fatalf("both relays use consumer %q", onRedis.Relay.Consumer())
	}
	wait.Until(t, "the Redis replica ready", func() bool { return status(t, onRedis.URL+"/readyz/live") == 200 })
	editor := onRedis.Token(t, "two-brokers", auth.Editor)
	subRedis := dialWS(t, onRedis.URL, wsclient.GraphQLWS, "")
	subMemory := dialWS(t, onMemory.URL, wsclient.GraphQLWS, "")
	for _, c := range []*wsclient.Client{subRedis, subMemory} {
		subscribeWS(t, c, "p", `subscription { articlePublished { id } }`, nil)
	}
	waitSubscribers(t, onRedis, 1)
	waitSubscribers(t, onMemory, 1)

	const n = 12
	var want []string
	for i := range n {
		s := onMemory // most changes on the memory replica, whose relay used to take them
		if i%3 == 0 {
			s = onRedis
		}
		p := create(t, s.Server, editor, map[string]any{"title": fmt.Sprintf("Seen everywhere %d", i)})
		if p.Article == nil {
			t.Fatalf("create: %+v", p.UserErrors)
		}
		if p := mutate(t, s.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": p.Article.ID}); p.Article == nil {
			t.Fatalf("publish: %+v", p)
		}
		want = append(want, p.Article.ID)
	}
	for side, c := range map[string]*wsclient.Client{"Redis": subRedis, "memory": subMemory} {
		got := map[string]bool{}
		for range n {
			got[publishedID(t, c)] = true
		}
		for _, id := range want {
			if !got[id] {
				t.Errorf("the subscriber on the %s replica never got %s", side, id)
			}
		}
	}
	// Events the publications caused after those (related-list refreshes)
	// may still be on their way: the backlog empties, it need not be empty
	// at this instant.
	for _, s := range []*testserver.LiveServer{onRedis, onMemory} {
		wait.Until(t, "the backlog of "+s.Relay.Consumer()+" emptied", func() bool {
			n, err := s.Relay.Backlog(context.Background())
			return err == nil && n == 0
		})
	}
}

func hostPort(t *testing.T, raw string) string {
	t.Helper()
	rest := raw[strings.Index(raw, "://")+3:]
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// TestLiveOutboxSurvivesCrash: a replica that commits and dies before
// publishing leaves the event in the outbox; the relay of the next start
// delivers it. A change whose event cannot be written does not happen.
func TestLiveOutboxSurvivesCrash(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		bus := pubsub.NewMemory() // the replicas' shared broker
		t.Cleanup(func() { bus.Close() })
		// No relay runs until the "restart": every replica here has it off,
		// so what is in the outbox stays there.
		live := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, NoRelay: true})
		crashing := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, NoRelay: true})
		failing := testserver.NewLive(t, db, testserver.LiveOptions{Broker: bus, KeepBroker: true, NoRelay: true, ServiceOptions: []content.Option{
			content.WithFailpoint(func(step string) error {
				if step == "outbox" {
					return context.DeadlineExceeded
				}
				return nil
			}),
		}})
		editor := live.Token(t, "crash", auth.Editor)
		sub := dialWS(t, live.URL, wsclient.TransportWS, "")
		subscribeWS(t, sub, "p", `subscription { articlePublished { id } }`, nil)
		waitSubscribers(t, live, 1)

		lost := create(t, live.Server, editor, map[string]any{"title": "Never published"}).Article
		if p := failing.Do(t, testserver.Request{Query: `mutation($id: ID!) { publishArticle(id: $id) { article { status } } }`, Variables: map[string]any{"id": lost.ID}, Token: editor}); len(p.Errors) == 0 {
			t.Fatalf("publish with the outbox failing succeeded: %s", p.Body)
		}
		var check struct{ Article *struct{ Status string } }
		live.MustData(t, testserver.Request{Query: `query($id: ID!) { article(id: $id) { status } }`, Variables: map[string]any{"id": lost.ID}, Token: editor}, &check)
		if check.Article == nil || check.Article.Status != "DRAFT" {
			t.Errorf("after a failed outbox write the article is %+v, want a DRAFT still", check.Article)
		}

		delayed := create(t, crashing.Server, editor, map[string]any{"title": "Committed, then the replica died"}).Article
		mutate(t, crashing.Server, editor, "publishArticle(id: $id)", "", map[string]any{"id": delayed.ID})
		backlog, err := crashing.Relay.Backlog(context.Background())
		if err != nil || backlog == 0 {
			t.Fatalf("backlog after the crash: %d, %v", backlog, err)
		}
		// The crashed replica starts again: its relay finds the events.
		restarted := events.NewRelay(store.New(db), bus, events.RelayOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if n, err := restarted.Drain(context.Background()); err != nil || int64(n) != backlog {
			t.Fatalf("drain after restart: %d, %v (backlog %d)", n, err, backlog)
		}
		_, r := nextWS(t, sub, nil)
		if !strings.Contains(string(r.Data), delayed.ID) {
			t.Fatalf("first event after the restart: %s, want article %s", r.Data, delayed.ID)
		}
		// The same event again (a repeated publish) is recognised and dropped.
		dups := live.Hub.Stats().Duplicates
		ev := events.Event{ID: r.Extensions.Event.ID, Type: events.ArticlePublished, ObjectType: events.ObjectArticle}
		live.Hub.Dispatch(ev)
		if live.Hub.Stats().Duplicates != dups+1 {
			t.Errorf("a repeated event was not recognised")
		}
		if n, _ := crashing.Relay.Backlog(context.Background()); n != 0 {
			t.Errorf("backlog after the restart: %d", n)
		}
	})
}

// TestLiveSSEOutlivesReadTimeout: an SSE stream stays open past the HTTP
// server's read and write timeouts.
func TestLiveSSEOutlivesReadTimeout(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{HTTP: func(h *http.Server) { h.ReadTimeout, h.WriteTimeout = 200*time.Millisecond, 200*time.Millisecond }})
	// The article is written through another replica of the same
	// database: on a loaded machine (the race detector, parallel tests)
	// a mutation may take longer than the timeouts under test, which
	// end its connection.
	gid, id := publishedArticle(t, testserver.NewLive(t, db, testserver.LiveOptions{}), "Body.")
	st := openSSE(t, s.URL, "", `subscription($id: ID!) { articleUpdated(id: $id) { id } }`, map[string]any{"id": gid})
	waitSubscribers(t, s, 1)
	time.Sleep(time.Second) // well past the timeouts
	s.Hub.Dispatch(correction(id))
	if name, data := st.next(t); name != "next" || !strings.Contains(string(data), gid) {
		t.Fatalf("SSE event after the read timeout: %s %s", name, data)
	}
}
