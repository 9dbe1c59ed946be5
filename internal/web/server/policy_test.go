package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/internal/web/wsclient"
)

// TestSSEMalformedBody: a body that is not a GraphQL JSON request, sent to
// the SSE transport, is refused with a short BAD_REQUEST that does not echo
// it, and logged as one short JSON line without the reader's email.
func TestSSEMalformedBody(t *testing.T) {
	t.Parallel()
	const email = "reader.one@example.com"
	filler := strings.Repeat("subscriber ", 20_000) // ~220 KB
	cases := []struct {
		name string
		body string
	}{
		{"email at the start, broken JSON", `{"variables":{"email":"` + email + `"}, ` + filler},
		{"email deep in a large body", `{"query":"subscription { contentChanged { kind } }","variables":{"list":"` + filler + email + `"}`},
		{"wrong type", `{"query":{"email":"` + email + `"}}`},
		{"trailing data", `{"query":"{ __typename }"} {"email":"` + email + `"}`},
	}
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		logs := &syncBuffer{}
		s := testserver.NewLive(t, db, testserver.LiveOptions{Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := len(logs.String())
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(tc.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "text/event-stream")
				res, body := s.Raw(t, req)
				if res.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %.300s", res.StatusCode, body)
				}
				var answer struct {
					Errors []testserver.Error `json:"errors"`
				}
				if err := json.Unmarshal(body, &answer); err != nil || len(answer.Errors) != 1 || answer.Errors[0].Code() != "BAD_REQUEST" {
					t.Fatalf("answer %.300s (%v), want one BAD_REQUEST error", body, err)
				}
				if strings.Contains(string(body), "@example.com") || strings.Contains(string(body), "subscriber subscriber") || len(body) > 512 {
					t.Errorf("the answer echoes the body (%d bytes): %.300s", len(body), body)
				}
				logged := logs.String()[before:]
				if strings.Contains(logged, "@example.com") {
					t.Errorf("the log holds the email: %.500s", logged)
				}
				if len(logged) > 2048 {
					t.Errorf("%d bytes of log for one bad request", len(logged))
				}
				if !strings.Contains(logged, "malformed SSE request body") {
					t.Errorf("the bad body was not logged: %.500s", logged)
				}
				sc := bufio.NewScanner(strings.NewReader(logged))
				for sc.Scan() {
					if !json.Valid(sc.Bytes()) {
						t.Errorf("log line is not JSON: %.300s", sc.Text())
					}
				}
			})
		}
	})
}

// wsOp sends one operation over c and returns its result (a refusal comes
// back as a result with errors or as an error message).
func wsOp(t *testing.T, c *wsclient.Client, id, query string) (*wsclient.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.Subscribe(ctx, id, query, nil); err != nil {
		return nil, err
	}
	for {
		got, r, err := c.Next(ctx)
		if err != nil {
			if errors.Is(err, wsclient.ErrComplete) && got != id {
				continue
			}
			return nil, err
		}
		if got == id {
			return r, nil
		}
	}
}

// waitClose reads c until the server closes it, for at most wait, and
// returns the close.
func waitClose(t *testing.T, c *wsclient.Client, wait time.Duration) *wsclient.CloseError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		_, err := c.Read(ctx)
		if err == nil {
			continue
		}
		ce, ok := wsclient.AsClose(err)
		if !ok {
			t.Fatalf("the socket was not closed by the server within %s: %v", wait, err)
		}
		return ce
	}
}

func revoke(t *testing.T, db *dbconn.DB, name string) {
	t.Helper()
	// A token service of its own, as the CLI's `token revoke` is: the
	// server learns of it only from the database.
	if err := auth.NewTokens(store.New(db)).Revoke(context.Background(), name); err != nil {
		t.Fatalf("revoke %s: %v", name, err)
	}
}

// TestRevokedTokenEndsWebsocket: revoking a token closes its open
// websockets with 4403 within 5 s, on both subprotocols, whether the token
// came in connection_init or in the upgrade's header; a new socket and a
// POST with it are refused afterwards.
func TestRevokedTokenEndsWebsocket(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	cases := []struct {
		name, proto string
		header      bool
	}{
		{"graphql-transport-ws, connection_init", wsclient.TransportWS, false},
		{"graphql-ws, connection_init", wsclient.GraphQLWS, false},
		{"graphql-transport-ws, upgrade header", wsclient.TransportWS, true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("ws-revoked-%d", i)
			token := s.Token(t, name, auth.Editor)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			opts := wsclient.Options{Init: map[string]any{"Authorization": "Bearer " + token}}
			if tc.header {
				opts = wsclient.Options{Header: http.Header{"Authorization": {"Bearer " + token}}}
			}
			c, err := wsclient.Dial(ctx, s.URL+"/graphql", tc.proto, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Conn.CloseNow()
			subscribeWS(t, c, "feed", `subscription { contentChanged { eventId } }`, nil)
			waitSubscribers(t, s, 1)
			if r, err := wsOp(t, c, "drafts", `{ articles(filter: {status: [DRAFT]}) { totalCount } }`); err != nil || len(r.Errors) > 0 {
				t.Fatalf("editor's query before revocation: %v %+v", err, r)
			}

			revoke(t, db, name)
			if ce := waitClose(t, c, 5*time.Second); ce.Code != 4403 {
				t.Fatalf("closed with %d %q, want 4403", ce.Code, ce.Reason)
			}
			waitSubscribers(t, s, 0)

			_, err = wsclient.Dial(ctx, s.URL+"/graphql", tc.proto, wsclient.Options{Init: map[string]any{"Authorization": "Bearer " + token}})
			if _, ok := wsclient.AsClose(err); !ok {
				t.Errorf("a new socket with the revoked token: %v, want it closed", err)
			}
			if r := s.Do(t, testserver.Request{Query: `{ __typename }`, Token: token}); r.Status != http.StatusUnauthorized {
				t.Errorf("POST with the revoked token: %s", r)
			}
		})
	}
}

// TestRevokedTokenRefusedPerOperation: with the periodic check off, the
// next operation on a socket whose token was revoked is refused (and the
// socket closed with 4403): each operation checks the token.
func TestRevokedTokenRefusedPerOperation(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{Server: func(c *server.Config) { c.CredentialCheck = -1 }})
	token := s.Token(t, "per-op", auth.Editor)
	c := dialWS(t, s.URL, wsclient.TransportWS, token)
	admin := s.Token(t, "per-op-check", auth.Admin)
	before := drafts(t, s.Server, admin)
	create := `mutation { createArticle(input: {title: "After revocation"}) { article { id } } }`
	if r, err := wsOp(t, c, "before", `{ articles(filter: {status: [DRAFT]}) { totalCount } }`); err != nil || len(r.Errors) > 0 {
		t.Fatalf("before revocation: %v %+v", err, r)
	}
	revoke(t, db, "per-op")
	// The server may reuse its verdict for auth.CheckCacheTTL; after that
	// the very next operation is refused.
	time.Sleep(auth.CheckCacheTTL)
	// The refusal and the close race each other: the client may read the
	// error first, or only the close.
	r, err := wsOp(t, c, "after", create)
	var ce *wsclient.CloseError
	if err != nil {
		var ok bool
		if ce, ok = wsclient.AsClose(err); !ok {
			t.Fatalf("a mutation after revocation: %v", err)
		}
	} else {
		if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("a mutation after revocation: %+v, want UNAUTHENTICATED", r)
		}
		ce = waitClose(t, c, waitFor)
	}
	if ce.Code != 4403 {
		t.Errorf("closed with %d %q, want 4403", ce.Code, ce.Reason)
	}
	if after := drafts(t, s.Server, admin); after != before {
		t.Errorf("the mutation ran with a revoked token: %d drafts, then %d", before, after)
	}
}

// drafts counts the draft articles.
func drafts(t *testing.T, s *testserver.Server, token string) int {
	t.Helper()
	var n struct{ Articles struct{ TotalCount int } }
	s.MustData(t, testserver.Request{Query: `{ articles(filter: {status: [DRAFT]}) { totalCount } }`, Token: token}, &n)
	return n.Articles.TotalCount
}

// TestRevokedTokenEndsSSE: an SSE stream whose token is revoked gets an
// UNAUTHENTICATED error event and ends, within 5 s.
func TestRevokedTokenEndsSSE(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	token := s.Token(t, "sse-revoked", auth.Editor)
	st := openSSE(t, s.URL, token, `subscription { contentChanged { eventId } }`, nil)
	waitSubscribers(t, s, 1)
	revoke(t, db, "sse-revoked")
	// Given up on after 5 s: the stream must have ended by then.
	giveUp := time.AfterFunc(5*time.Second, st.cancel)
	defer giveUp.Stop()
	name, data := st.next(t)
	if name != "next" || !strings.Contains(string(data), "UNAUTHENTICATED") {
		t.Fatalf("event %q %s, want an UNAUTHENTICATED error", name, data)
	}
	waitSubscribers(t, s, 0)
}

// TestWebsocketRateLimit: each operation on a socket takes a token from
// the client's bucket; 500 on one socket do not all run.
func TestWebsocketRateLimit(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	const burst = 20
	for _, who := range []string{"reader", "token"} {
		t.Run(who, func(t *testing.T) {
			// A server each: the upgrade of either counts against the address.
			s := testserver.NewLive(t, db, testserver.LiveOptions{Server: func(c *server.Config) {
				// Next to no refill during the test: the burst is the budget.
				c.RateLimit = ratelimit.Options{PerAddress: ratelimit.Limit{Rate: 0.001, Burst: burst}, PerToken: ratelimit.Limit{Rate: 0.001, Burst: burst}}
			}})
			tok := ""
			if who == "token" {
				tok = s.Token(t, "ws-rate-"+who, auth.Editor)
			}
			c := dialWS(t, s.URL, wsclient.TransportWS, tok)
			ctx, cancel := context.WithTimeout(context.Background(), waitFor)
			defer cancel()
			const ops = 500
			for i := range ops {
				if err := c.Subscribe(ctx, strconv.Itoa(i), `{ __typename }`, nil); err != nil {
					t.Fatal(err)
				}
			}
			ran, limited := 0, 0
			for done := 0; done < ops; {
				m, err := c.Read(ctx)
				if err != nil {
					t.Fatalf("after %d results: %v", ran+limited, err)
				}
				switch m.Type {
				case "complete":
					done++
				case "next":
					var r wsclient.Result
					json.Unmarshal(m.Payload, &r)
					if len(r.Errors) > 0 && r.Errors[0].Extensions["code"] == "RATE_LIMITED" {
						limited++
					} else {
						ran++
					}
				}
			}
			if ran > burst || limited < ops-burst {
				t.Errorf("%d operations ran and %d were rate limited; want at most %d to run", ran, limited, burst)
			}
		})
	}
}

// TestSlowOperationTimesOutOnLiveTransports: --request-timeout applies to
// a mutation sent over a websocket or SSE as it does over POST.
func TestSlowOperationTimesOutOnLiveTransports(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	var slow atomic.Bool
	s := testserver.NewLive(t, db, testserver.LiveOptions{
		ServiceOptions: []content.Option{content.WithFailpoint(func(step string) error {
			if step == "audit" && slow.Load() {
				time.Sleep(1500 * time.Millisecond) // a write stuck well past the deadline
			}
			return nil
		})},
		Server: func(c *server.Config) { c.RequestTimeout = 200 * time.Millisecond },
	})
	token := s.Token(t, "slow-writer", auth.Editor)
	before := drafts(t, s.Server, token)
	slow.Store(true)
	check := func(t *testing.T, r *wsclient.Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("mutation: %v", err)
		}
		timedOut := false
		for _, e := range r.Errors {
			if code := e.Extensions["code"]; code == "TIMEOUT" || code == "UNAVAILABLE" {
				timedOut = true
			}
		}
		if !timedOut {
			t.Fatalf("a mutation slower than the request timeout: %s %+v, want a timeout error", r.Data, r.Errors)
		}
		slow.Store(false)
		defer slow.Store(true)
		if after := drafts(t, s.Server, token); after != before {
			t.Errorf("the timed-out mutation was committed: %d drafts, then %d", before, after)
		}
	}
	t.Run("websocket", func(t *testing.T) {
		c := dialWS(t, s.URL, wsclient.TransportWS, token)
		r, err := wsOp(t, c, "m", `mutation { createArticle(input: {title: "Slowpoke websocket"}) { article { id } } }`)
		check(t, r, err)
	})
	t.Run("sse", func(t *testing.T) {
		st := openSSE(t, s.URL, token, `mutation { createArticle(input: {title: "Slowpoke stream"}) { article { id } } }`, nil)
		name, data := st.next(t)
		var r wsclient.Result
		if err := json.Unmarshal(data, &r); err != nil || name != "next" {
			t.Fatalf("event %q %s", name, data)
		}
		check(t, &r, nil)
	})
}

// TestReaderTokenHasOwnBudget: a frontend's server with a reader token is
// limited by the token's bucket, not by its address's, and sees exactly
// what an anonymous reader sees.
func TestReaderTokenHasOwnBudget(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.RateLimit = ratelimit.Options{PerAddress: ratelimit.Limit{Rate: 0.001, Burst: 3}, PerToken: ratelimit.Limit{Rate: 0.001, Burst: 30}}
	})
	frontend := s.Token(t, "ssr-frontend", auth.Reader)
	editor := s.Token(t, "ssr-editor", auth.Editor)
	var ed struct {
		CreateArticle struct{ Article struct{ ID string } }
	}
	s.MustData(t, testserver.Request{Query: `mutation { createArticle(input: {title: "Not for readers"}) { article { id } } }`, Token: editor}, &ed)

	query := testserver.Request{Query: `{ articles(first: 5) { totalCount } }`, Token: frontend}
	for i := range 20 {
		if r := s.Do(t, query); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d with the reader token: %s", i, r)
		}
	}
	if r := s.Do(t, testserver.Request{Query: `{ articles(first: 5) { totalCount } }`}); r.Status != http.StatusOK {
		t.Fatalf("the address's own budget was spent by the token's requests: %s", r)
	}
	anon := s.Do(t, testserver.Request{Query: `{ articles(first: 5) { totalCount } }`})
	withToken := s.Do(t, query)
	if string(anon.Data) != string(withToken.Data) {
		t.Errorf("a reader token sees %s, an anonymous reader %s", withToken.Data, anon.Data)
	}
	draft := `{ article(id: "` + ed.CreateArticle.Article.ID + `") { title } }`
	if r := s.Do(t, testserver.Request{Query: draft, Token: editor}); !strings.Contains(string(r.Body), "Not for readers") {
		t.Fatalf("the editor does not see the draft: %s", r)
	}
	r := s.Do(t, testserver.Request{Query: draft, Token: frontend})
	if strings.Contains(string(r.Body), "Not for readers") {
		t.Errorf("a reader token read a draft: %s", r.Body)
	}
	r = s.Do(t, testserver.Request{Query: `mutation { createArticle(input: {title: "From the frontend"}) { article { id } } }`, Token: frontend})
	if codes := r.Codes(); len(codes) == 0 || codes[0] != "FORBIDDEN" {
		t.Errorf("a reader token's mutation: %s, want FORBIDDEN", r)
	}
}
