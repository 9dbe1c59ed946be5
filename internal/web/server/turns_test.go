package server_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// gate holds the first database read a request makes while the gate is
// armed until it is opened: the request keeps its turn meanwhile. Reads
// of the server's own upkeep (the search index's build and reloads, the
// relay, the hub) carry no request's statement counter and pass: caught
// by the gate in a loaded test run, they let the request it was armed
// for through.
type gate struct {
	armed   atomic.Bool
	entered chan struct{}
	open    chan struct{}
}

func newGate(t *testing.T, db *dbconn.DB) *gate {
	g := &gate{}
	hold := func(d *gorm.DB) {
		if dbconn.StatementCounterFrom(d.Statement.Context) == nil {
			return
		}
		if g.armed.CompareAndSwap(true, false) {
			close(g.entered)
			<-g.open
		}
	}
	for name, register := range map[string]func() error{
		"query": func() error { return db.Callback().Query().Before("gorm:query").Register("test:gate", hold) },
		"row":   func() error { return db.Callback().Row().Before("gorm:row").Register("test:gate", hold) },
	} {
		if err := register(); err != nil {
			t.Fatalf("register the %s gate: %v", name, err)
		}
	}
	t.Cleanup(func() {
		db.Callback().Query().Remove("test:gate")
		db.Callback().Row().Remove("test:gate")
	})
	return g
}

// hold arms the gate and sends query, which is held with its turn; it
// returns once the query is held, and a function that lets it go.
func (g *gate) hold(t *testing.T, s *testserver.Server, query string) (release func()) {
	t.Helper()
	g.entered, g.open = make(chan struct{}), make(chan struct{})
	g.armed.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Do(t, testserver.Request{Query: query})
	}()
	select {
	case <-g.entered:
	case <-time.After(waitFor):
		t.Fatal("the held query never read the database")
	}
	return func() {
		close(g.open)
		<-done
	}
}

// TestOperationsTakeTurns: with --max-concurrent-operations 1, a query
// sent while another executes waits for its turn, over every transport,
// and is answered once the turn comes within its deadline; one whose
// deadline passes first is refused 503 TIMEOUT without executing.
// Subscriptions hold no turn while they wait for events.
func TestOperationsTakeTurns(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		const timeout = 400 * time.Millisecond
		s := testserver.NewLive(t, db, testserver.LiveOptions{Demo: true, Server: func(c *server.Config) {
			c.MaxConcurrentOperations = 1
			c.RequestTimeout = timeout
			c.DisableResponseCache = true
		}})
		g := newGate(t, db)
		const held, waiting = `{ articles(first: 1) { nodes { slug } } }`, `{ categories { slug } }`

		t.Run("refused when the deadline passes first", func(t *testing.T) {
			release := g.hold(t, s.Server, held)
			defer release()
			for _, get := range []bool{false, true} {
				start := time.Now()
				r := s.Do(t, testserver.Request{Query: waiting, GET: get})
				if r.Status != http.StatusServiceUnavailable || !slices.Contains(r.Codes(), "TIMEOUT") || r.Data != nil ||
					!strings.Contains(string(r.Body), "busy") {
					t.Errorf("GET %v while the only turn is taken: %s; want 503, TIMEOUT, no data", get, r)
				}
				if waited := time.Since(start); waited < timeout*3/4 {
					t.Errorf("GET %v refused after %v: it should wait for its turn until its deadline (%v)", get, waited, timeout)
				}
			}
			c := dialWS(t, s.URL, wsclient.TransportWS, "")
			r, err := wsOp(t, c, "q", waiting)
			if err != nil || r == nil || len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "busy") {
				t.Errorf("a websocket query while the only turn is taken: %+v, %v; want refused, busy", r, err)
			}
			// Refused once, the operation is complete: not refused again
			// and again while the transport asks for more.
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			if id, r, err := c.Next(ctx); !errors.Is(err, wsclient.ErrComplete) || id != "q" {
				t.Errorf("after the refusal: %q, %+v, %v; want the operation complete", id, r, err)
			}
		})

		t.Run("answered when the turn comes", func(t *testing.T) {
			release := g.hold(t, s.Server, held)
			answered := make(chan *testserver.Response, 1)
			go func() { answered <- s.Do(t, testserver.Request{Query: waiting}) }()
			time.Sleep(timeout / 4)
			select {
			case r := <-answered:
				t.Fatalf("answered while the only turn was taken: %s", r)
			default:
			}
			release()
			if r := <-answered; r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), "slug") {
				t.Errorf("once the turn came: %s", r)
			}
		})

		t.Run("subscriptions hold no turn", func(t *testing.T) {
			c := dialWS(t, s.URL, wsclient.TransportWS, "")
			subscribeWS(t, c, "a", `subscription { articlePublished { slug } }`, nil)
			subscribeWS(t, c, "b", `subscription { articlePublished { slug } }`, nil)
			waitSubscribers(t, s, 2)
			if r := s.Do(t, testserver.Request{Query: waiting}); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Errorf("a query beside two open subscriptions, one turn: %s", r)
			}
		})
	})
}
