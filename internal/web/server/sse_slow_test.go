package server_test

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// TestLiveSlowSSEConsumer: an SSE client that never reads is dropped by
// the hub like a slow websocket, and its stream really ends — the handler
// returns instead of staying blocked in a write with the unread events.
func TestLiveSlowSSEConsumer(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{Hub: live.Options{Buffer: 8}, Server: func(c *server.Config) {
		c.ExposeMetrics = true
		c.WriteTimeout = 2 * time.Second
	}})
	gid, id := publishedArticle(t, s, strings.Repeat("All the news that fits. ", 8000))
	inFlight := func() float64 { return metricValue(t, scrape(t, s.Server), "broadsheet_http_requests_in_flight") }

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096) // and never read
	body, _ := json.Marshal(map[string]any{"query": `subscription($id: ID!) { articleUpdated(id: $id) { id body } }`, "variables": map[string]any{"id": gid}})
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	waitSubscribers(t, s, 1)
	if n := inFlight(); n != 1 {
		t.Fatalf("%v requests in flight with the stream open, want 1", n)
	}

	dropped := s.Hub.Stats().SlowDropped
	for sent := 0; s.Hub.Stats().SlowDropped == dropped; sent++ {
		if sent == 5000 {
			t.Fatal("the slow SSE subscriber was never dropped")
		}
		s.Hub.Dispatch(correction(id))
		time.Sleep(time.Millisecond)
	}
	waitSubscribers(t, s, 0)
	// The handler must not stay blocked writing to a client that reads
	// nothing: the stream's request ends.
	wait.Until(t, "the SSE request to end", func() bool { return inFlight() == 0 })
}
