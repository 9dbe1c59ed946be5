package server_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/google/uuid"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
	"github.com/broadsheet/broadsheet/models"
)

// correction is a synthetic "article corrected" event, dispatched straight
// into the hub (the publisher's side of fan-out).
func correction(articleID uint64) events.Event {
	return events.Event{ID: uuid.NewString(), Type: events.ArticleUpdated, ObjectType: events.ObjectArticle, ObjectID: articleID,
		OccurredAt: time.Now(), Payload: events.Payload{Action: "article.update", Article: &events.ArticleState{Status: models.StatusPublished, WasReaderVisible: true, ReaderVisible: true}}}
}

func publishedArticle(t *testing.T, s *testserver.LiveServer, body string) (string, uint64) {
	t.Helper()
	editor := s.Token(t, "res-"+uuid.NewString()[:8], auth.Editor)
	p := create(t, s.Server, editor, map[string]any{"title": "Resources", "body": body, "status": "PUBLISHED"})
	if p.Article == nil {
		t.Fatalf("create: %+v", p.UserErrors)
	}
	id, err := globalid.ParseAs(globalid.TypeArticle, p.Article.ID)
	if err != nil {
		t.Fatal(err)
	}
	return p.Article.ID, id
}

// TestLiveSlowConsumer: a subscriber that stops reading is disconnected
// with 1013 and a reason, while the publisher never waits and another
// subscriber receives every event.
func TestLiveSlowConsumer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: slow; runs in the full suite")
	}
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{Hub: live.Options{Buffer: 8}})
	// Large events fill the socket buffers quickly.
	gid, id := publishedArticle(t, s, strings.Repeat("All the news that fits. ", 8000))
	// The article's own events reach the hub first: the fast subscriber
	// must count only the events dispatched below.
	s.Settle(t)
	for _, proto := range []string{wsclient.TransportWS, wsclient.GraphQLWS} {
		t.Run(proto, func(t *testing.T) {
			q := `subscription($id: ID!) { articleUpdated(id: $id) { id body } }`
			slow := dialWS(t, s.URL, proto, "")
			subscribeWS(t, slow, "1", q, map[string]any{"id": gid})
			fast := dialWS(t, s.URL, proto, "")
			subscribeWS(t, fast, "1", q, map[string]any{"id": gid})
			waitSubscribers(t, s, 2)
			dropped := s.Hub.Stats().SlowDropped

			var received atomic.Int64
			readErr := make(chan error, 1)
			go func() {
				for {
					ctx, cancel := context.WithTimeout(context.Background(), waitFor)
					_, _, err := fast.Next(ctx)
					cancel()
					if err != nil {
						readErr <- err
						return
					}
					received.Add(1)
				}
			}()
			sent := int64(0)
			for s.Hub.Stats().SlowDropped == dropped {
				if sent == 5000 {
					t.Fatal("the slow subscriber was never dropped")
				}
				s.Hub.Dispatch(correction(id)) // returns at once: never waits for the slow one
				sent++
				wait.Until(t, "the fast subscriber to get the event", func() bool {
					select {
					case err := <-readErr:
						t.Fatalf("fast subscriber: %v", err)
					default:
					}
					return received.Load() == sent
				})
			}
			// The slow client reads what was buffered, then the close.
			for {
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				_, _, err := slow.Next(ctx)
				cancel()
				if err == nil {
					continue
				}
				ce, ok := wsclient.AsClose(err)
				if !ok || ce.Code != live.CloseTryAgainLater || !strings.Contains(ce.Reason, "slow consumer") {
					t.Fatalf("slow subscriber ended with %v, want close 1013 with a reason", err)
				}
				break
			}
			t.Logf("dropped the slow subscriber after %d events", sent)
			// Publishing goes on for the others.
			s.Hub.Dispatch(correction(id))
			wait.Until(t, "the fast subscriber to get one more", func() bool { return received.Load() == sent+1 })
			fast.Close()
			waitSubscribers(t, s, 0)
		})
	}
}

// TestLiveSubscriptionsLeaveNoGoroutines opens and closes 1,000
// subscriptions (websockets on both protocols, and SSE) and checks that the
// goroutine count comes back to where it was.
func TestLiveSubscriptionsLeaveNoGoroutines(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	gid, id := publishedArticle(t, s, "Body.")
	// The article's own events reach the hub first, so that they are not
	// counted as loads of the event dispatched below.
	s.Settle(t)
	q := `subscription($id: ID!) { articleUpdated(id: $id) { id title } }`

	cycle := func(conns, perConn, sse int) {
		t.Helper()
		var clients []*wsclient.Client
		var streams []*sseStream
		for i := range conns {
			proto := wsclient.TransportWS
			if i%2 == 1 {
				proto = wsclient.GraphQLWS
			}
			c := dialWS(t, s.URL, proto, "")
			for j := range perConn {
				subscribeWS(t, c, fmt.Sprint(j), q, map[string]any{"id": gid})
			}
			clients = append(clients, c)
		}
		for range sse {
			streams = append(streams, openSSE(t, s.URL, "", q, map[string]any{"id": gid}))
		}
		waitSubscribers(t, s, conns*perConn+sse)
		// One event through all of them: loaded from the database once.
		loads := s.Hub.Stats().Loads
		s.Hub.Dispatch(correction(id))
		if got := s.Hub.Stats().Loads - loads; got != 1 {
			t.Errorf("one event for %d subscribers loaded %d objects, want 1", conns*perConn+sse, got)
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perConn {
					ctx, cancel := context.WithTimeout(context.Background(), waitFor)
					if _, _, err := c.Next(ctx); err != nil {
						t.Errorf("event: %v", err)
					}
					cancel()
				}
			}()
		}
		wg.Wait()
		for _, st := range streams {
			st.next(t)
		}
		for _, c := range clients {
			c.Close()
		}
		for _, st := range streams {
			st.Close()
		}
		waitSubscribers(t, s, 0)
		wait.Until(t, "websockets to close", func() bool { return s.Handler.Websockets() == 0 })
	}

	cycle(10, 1, 2) // warm up pools and lazily started goroutines
	runtime.GC()
	base := runtime.NumGoroutine()
	cycle(400, 2, 200) // 1,000 subscriptions
	const tolerance = 25
	deadline := time.Now().Add(waitFor)
	for {
		n := runtime.NumGoroutine()
		if n <= base+tolerance {
			t.Logf("goroutines: %d before, %d after 1,000 subscriptions came and went", base, n)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after (tolerance %d):\n%s", base, n, tolerance, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLiveLimitsAndDeadPeers checks the subscription caps, and that a peer
// that stops answering pings is dropped.
func TestLiveLimitsAndDeadPeers(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{Hub: live.Options{MaxPerConnection: 2, MaxSubscriptions: 3}})
	q := `subscription { articlePublished { id } }`
	errorOf := func(c *wsclient.Client, id string) string {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_, r, err := c.Next(ctx)
		switch {
		case err != nil:
			return err.Error()
		case len(r.Errors) > 0:
			return fmt.Sprint(r.Errors[0].Extensions["code"], " ", r.Errors[0].Message)
		}
		return "no error"
	}
	a := dialWS(t, s.URL, wsclient.TransportWS, "")
	subscribeWS(t, a, "1", q, nil)
	subscribeWS(t, a, "2", q, nil)
	waitSubscribers(t, s, 2)
	subscribeWS(t, a, "3", q, nil)
	if got := errorOf(a, "3"); !strings.Contains(got, "BAD_USER_INPUT") || !strings.Contains(got, "per connection") {
		t.Errorf("third subscription on one connection: %s", got)
	}
	b := dialWS(t, s.URL, wsclient.GraphQLWS, "")
	subscribeWS(t, b, "1", q, nil)
	waitSubscribers(t, s, 3)
	subscribeWS(t, b, "2", q, nil)
	if got := errorOf(b, "2"); !strings.Contains(got, "UNAVAILABLE") {
		t.Errorf("subscription over the server's cap: %s", got)
	}
	a.Close()
	b.Close()
	waitSubscribers(t, s, 0)

	t.Run("dead peer", func(t *testing.T) {
		s := testserver.NewLive(t, db, testserver.LiveOptions{KeepAlive: 100 * time.Millisecond})
		for _, proto := range []string{wsclient.TransportWS, wsclient.GraphQLWS} {
			c := dialWS(t, s.URL, proto, "")
			subscribeWS(t, c, "1", q, nil)
			// The client never reads again, so it never answers a ping.
		}
		waitSubscribers(t, s, 2)
		wait.Until(t, "dead peers to be dropped", func() bool { return s.Handler.Websockets() == 0 && s.Hub.Stats().Subscribers == 0 })
	})
}
