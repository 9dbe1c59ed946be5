package server_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/ratelimit"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/hostile"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// nest wraps a selection in n levels of author → articles → nodes.
func nest(n int) string {
	q := "title"
	for range n {
		q = "authors { articles(first: 1) { nodes { " + q + " } } }"
	}
	return "{ articles(first: 1) { nodes { " + q + " } } }"
}

// aliases repeats field under n aliases.
func aliases(n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	b.WriteString("}")
	return b.String()
}

// fragmentCycle is a thousand-field fragment that spreads another that
// spreads it back.
func fragmentCycle() string {
	var b strings.Builder
	b.WriteString("query { ...A } fragment A on Query { ...B ")
	for i := range 1000 {
		fmt.Fprintf(&b, "f%d: __typename ", i)
	}
	b.WriteString("} fragment B on Query { ...A }")
	return b.String()
}

// relayLike is a query as Relay compiles one: n fragments spread on one
// node, each selecting id and __typename again, nested ones too.
func relayLike(n int) string {
	var b strings.Builder
	b.WriteString("query Feed { articles(first: 5) { edges { cursor node { id __typename ")
	for i := range n {
		fmt.Fprintf(&b, "...A%d ", i)
	}
	b.WriteString("} } } }\n")
	for i := range n {
		fmt.Fprintf(&b, "fragment A%d on Article { id __typename title authors { id __typename name } }\n", i)
	}
	return b.String()
}

// Every hostile operation is refused before it reaches the database, with
// its own code, no data entry, and the status the GraphQL-over-HTTP spec
// asks for: 200 for application/json, 400 for graphql-response+json.
func TestGuardrailsRefuseHostileOperations(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		cases := []struct {
			name, query string
			code        string
		}{
			{"deeply nested", nest(5), "DEPTH_LIMIT_EXCEEDED"},
			{"first: 1000000", `{ articles(first: 1000000) { nodes { title } } }`, "BAD_USER_INPUT"},
			{"last: 1000000 on a nested list", `{ author(slug: "giulia-marino") { articles(last: 1000000) { nodes { title } } } }`, "BAD_USER_INPUT"},
			{"lists nested in lists", `{ articles(first: 100) { nodes { authors { articles(first: 100) { nodes { tags { name } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"alias flood under the token limit", aliases(300, "articles(first: 20) { nodes { title } }"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"alias flood over the token limit", aliases(3000, "__typename"), "TOKEN_LIMIT_EXCEEDED"},
			{"related lists nested in related lists", `{ articles(first: 100) { nodes { related(first: 10) { related(first: 10) { related(first: 10) { title } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"lists nested in search results", `{ search(query: "korea", first: 100) { nodes { tags { articles(first: 100) { nodes { title } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"candidates scored for a whole list", `{ articles(first: 100) { nodes { relatedCandidates(first: 10) { score } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
			{"page over the cap, nested", `{ author(slug: "giulia-marino") { articles(first: 101) { nodes { title } } } }`, "BAD_USER_INPUT"},
			{"related page over the cap", `{ article(slug: "` + demo.SeedSlug + `") { related(first: 11) { title } } }`, "BAD_USER_INPUT"},
			{"negative page in a fragment", `{ articles(first: 2) { nodes { ...R } } } fragment R on Article { related(first: -1) { title } }`, "BAD_USER_INPUT"},
			{"thousand-field fragment cycle", fragmentCycle(), "GRAPHQL_VALIDATION_FAILED"},
			{"fragment fan-out 30 deep", hostile.FanOut(30, "Query", "__typename", "articles(first: 1) { nodes { title } }"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"fragment fan-out 60 deep", hostile.FanOut(60, "Query", "__typename", "articles(first: 1) { nodes { title } }"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"fragment fan-out 400 deep, near the token limit", hostile.FanOut(400, "Query", "__typename", "__typename"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"fragment fan-out 60 deep below a list", hostile.FanOut(60, "Article", "__typename", "title authors { name }"), "COMPLEXITY_LIMIT_EXCEEDED"},
			// 800 conflicting pairs' worth of one alias: 640,000 errors once.
			{"one alias on two fields, 1600 times", hostile.Repeated(1600, "t: slug", "t: title"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"one field 4900 times", hostile.Repeated(4900, "title"), "COMPLEXITY_LIMIT_EXCEEDED"},
			{"one field 200 times", hostile.Repeated(200, "title"), "COMPLEXITY_LIMIT_EXCEEDED"},
		}
		for _, tc := range cases {
			for _, accept := range []struct {
				media  string
				status int
			}{{"application/json", http.StatusOK}, {"application/graphql-response+json", http.StatusBadRequest}} {
				t.Run(tc.name+" "+accept.media, func(t *testing.T) {
					r := s.Do(t, testserver.Request{Query: tc.query, Header: http.Header{"Accept": {accept.media}}})
					if codes := r.Codes(); len(codes) != 1 || codes[0] != tc.code {
						t.Fatalf("codes = %v, want [%s]: %.300s", codes, tc.code, r.Body)
					}
					if r.HasData {
						t.Errorf("refused operation has a data entry: %.200s", r.Body)
					}
					if r.Status != accept.status {
						t.Errorf("status %d, want %d", r.Status, accept.status)
					}
					if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, accept.media) {
						t.Errorf("Content-Type %q, want %s", ct, accept.media)
					}
					if r.Statements != 0 {
						t.Errorf("refused operation ran %d SQL statements", r.Statements)
					}
				})
			}
		}

		t.Run("allowed operations near the limits", func(t *testing.T) {
			for _, q := range []string{
				nest(2),
				`{ articles(first: 100) { nodes { title authors { name } category { name } tags { name } } totalCount } }`,
				aliases(10, "articles(first: 5) { nodes { title } }"),
				`{ articles(first: 20) { nodes { title related(first: 3) { title authors { name } } } } }`,
				`{ search(query: "korea", first: 20) { edges { score snippet node { title authors { name } tags { name } } } totalCount } }`,
				`{ article(slug: "` + demo.SeedSlug + `") { related(first: 10) { title } } }`,
				hostile.Repeated(140, "title"), // 9,730 pairs, just under the bound
				relayLike(20),
			} {
				var got map[string]any
				s.MustData(t, testserver.Request{Query: q}, &got)
			}
		})
	})
}

// An answer carries at most 20 errors and one counting the rest, and the
// access log names each code once.
func TestManyErrorsAreCapped(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	var logs syncBuffer
	s := testserver.New(t, db, nil, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	var b strings.Builder
	b.WriteString("{ ")
	for i := range 300 {
		fmt.Fprintf(&b, "nope%d ", i)
	}
	b.WriteString("}")
	r := s.Do(t, testserver.Request{Query: b.String(), Header: http.Header{"X-Request-Id": {"many-errors"}}})
	var body struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("%v: %.300s", err, r.Body)
	}
	if len(body.Errors) != 21 {
		t.Fatalf("%d errors, want 20 and one counting the rest: %.300s", len(body.Errors), r.Body)
	}
	last := body.Errors[20]
	if last.Extensions["omittedErrors"] != float64(280) || last.Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(last.Message, "280") {
		t.Errorf("last error %+v, want 280 left out", last)
	}
	if r.HasData {
		t.Error("refused operation has a data entry")
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == "many-errors" {
			found = true
			if codes, _ := rec["codes"].([]any); len(codes) != 1 || codes[0] != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("access log codes %v, want the one code once", rec["codes"])
			}
		}
	}
	if !found {
		t.Error("no access log line for the request")
	}
}

// Fan-out documents sent ten at once are all refused, and a reader's
// query sent meanwhile is answered: the guards price each fragment once,
// so the refusals hold nothing up (their speed is BenchmarkGuards').
func TestConcurrentFanOutLeavesReadersServed(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	var wg sync.WaitGroup
	codes := make([][]string, 10)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do(t, testserver.Request{Query: hostile.FanOut(60+i, "Query", "__typename", "articles(first: 1) { nodes { title } }")})
			codes[i] = r.Codes()
		}()
	}
	var got struct {
		Articles struct{ Nodes []struct{ Title string } }
	}
	s.MustData(t, testserver.Request{Query: `{ articles(first: 3) { nodes { title } } }`}, &got)
	wg.Wait()
	if len(got.Articles.Nodes) != 3 {
		t.Errorf("reader got %d articles, want 3", len(got.Articles.Nodes))
	}
	for i, c := range codes {
		if !slices.Equal(c, []string{"COMPLEXITY_LIMIT_EXCEEDED"}) {
			t.Errorf("fan-out request %d: codes %v, want [COMPLEXITY_LIMIT_EXCEEDED]", i, c)
		}
	}
}

func TestGuardrailSettings(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	introspection := `{ __schema { queryType { name } } }`
	cases := []struct {
		name  string
		opt   testserver.Option
		query string
		code  string // "" when the query must succeed
	}{
		{"introspection on by default", nil, introspection, ""},
		{"introspection off", func(c *server.Config) { c.DisableIntrospection = true }, introspection, "INTROSPECTION_DISABLED"},
		{"introspection off hidden in a fragment", func(c *server.Config) { c.DisableIntrospection = true }, `{ ...F } fragment F on Query { __type(name: "Article") { name } }`, "INTROSPECTION_DISABLED"},
		{"__typename with introspection off", func(c *server.Config) { c.DisableIntrospection = true }, `{ __typename }`, ""},
		{"depth limit lowered", func(c *server.Config) { c.MaxDepth = 2 }, `{ articles { nodes { title } } }`, "DEPTH_LIMIT_EXCEEDED"},
		{"depth limit off", func(c *server.Config) { c.MaxDepth = -1 }, nest(6), ""},
		{"complexity limit lowered", func(c *server.Config) { c.MaxComplexity = 10 }, `{ articles(first: 5) { nodes { title } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"token limit lowered", func(c *server.Config) { c.MaxTokens = 5 }, `{ articles { nodes { title } } }`, "TOKEN_LIMIT_EXCEEDED"},
		{"request timeout", func(c *server.Config) { c.RequestTimeout = time.Nanosecond }, `{ articles { nodes { title } } }`, "TIMEOUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []testserver.Option
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			s := testserver.New(t, db, nil, opts...)
			r := s.Do(t, testserver.Request{Query: tc.query})
			codes := r.Codes()
			if tc.code == "" {
				if len(codes) > 0 || r.Status != http.StatusOK {
					t.Fatalf("want success: %s", r)
				}
				return
			}
			if !slices.Contains(codes, tc.code) {
				t.Fatalf("codes %v, want %s: %s", codes, tc.code, r)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	frozen := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.Authenticate = editorAuth
		c.RateLimit = ratelimit.Options{
			PerAddress: ratelimit.Limit{Rate: 0.5, Burst: 3},
			PerToken:   ratelimit.Limit{Rate: 0.5, Burst: 2},
			Now:        func() time.Time { return frozen },
		}
	})
	q := testserver.Request{Query: `{ __typename }`}
	editor := testserver.Request{Query: `{ __typename }`, Token: "test-editor"}
	steps := []struct {
		name   string
		req    testserver.Request
		status int
	}{
		{"reader 1", q, 200}, {"reader 2", q, 200}, {"reader 3", q, 200},
		{"reader over the burst", q, 429},
		// A request with a token is refused while its address is over its
		// limit, so that made-up tokens (each with a fresh bucket) cannot
		// escape it.
		{"editor while the address is exhausted", editor, 429},
	}
	for _, st := range steps {
		r := s.Do(t, st.req)
		if r.Status != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, r.Status, st.status, r)
		}
		if st.status == 429 {
			if !slices.Equal(r.Codes(), []string{"RATE_LIMITED"}) || r.HasData {
				t.Errorf("%s: want RATE_LIMITED without data: %s", st.name, r)
			}
			if ra := r.Header.Get("Retry-After"); ra != "2" {
				t.Errorf("%s: Retry-After %q, want 2 (one request every 2s)", st.name, ra)
			}
		}
	}

	t.Run("per token", func(t *testing.T) {
		s := testserver.New(t, db, nil, func(c *server.Config) {
			c.Authenticate = editorAuth
			c.RateLimit = ratelimit.Options{PerToken: ratelimit.Limit{Rate: 1, Burst: 2}, Now: func() time.Time { return frozen }}
		})
		for i, want := range []int{200, 200, 429} {
			if r := s.Do(t, editor); r.Status != want {
				t.Fatalf("editor request %d: status %d, want %d: %s", i+1, r.Status, want, r)
			}
		}
		if r := s.Do(t, q); r.Status != 200 {
			t.Errorf("a reader shares no bucket with a token: %s", r)
		}
	})

	t.Run("failed authentications are charged to the address", func(t *testing.T) {
		s := testserver.New(t, db, nil, func(c *server.Config) {
			c.Authenticate = editorAuth
			c.RateLimit = ratelimit.Options{
				PerAddress: ratelimit.Limit{Rate: 1, Burst: 2},
				PerToken:   ratelimit.Limit{Rate: 100, Burst: 100},
				Now:        func() time.Time { return frozen },
			}
		})
		for i, token := range []string{"made-up-1", "made-up-2"} {
			if r := s.Do(t, testserver.Request{Query: `{ __typename }`, Token: token}); r.Status != http.StatusUnauthorized {
				t.Fatalf("made-up token %d: status %d, want 401", i+1, r.Status)
			}
		}
		for _, req := range []testserver.Request{{Query: `{ __typename }`, Token: "made-up-3"}, q} {
			if r := s.Do(t, req); r.Status != http.StatusTooManyRequests {
				t.Errorf("after two failed authentications (token %q): status %d, want 429", req.Token, r.Status)
			}
		}
	})

	t.Run("client address from a trusted header", func(t *testing.T) {
		s := testserver.New(t, db, nil, func(c *server.Config) {
			c.RateLimit = ratelimit.Options{PerAddress: ratelimit.Limit{Rate: 1, Burst: 1}, ClientIPHeader: "X-Forwarded-For", Now: func() time.Time { return frozen }}
		})
		from := func(ip string) testserver.Request {
			return testserver.Request{Query: `{ __typename }`, Header: http.Header{"X-Forwarded-For": {"198.51.100.7, " + ip}}}
		}
		for _, st := range []struct {
			ip     string
			status int
		}{{"203.0.113.1", 200}, {"203.0.113.1", 429}, {"203.0.113.2", 200}} {
			if r := s.Do(t, from(st.ip)); r.Status != st.status {
				t.Fatalf("from %s: status %d, want %d", st.ip, r.Status, st.status)
			}
		}
	})
}

// The SSE transport's answers are capped too (the cap is a response
// middleware, under every transport).
func TestManyErrorsAreCappedOverSSE(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.NewLive(t, db, testserver.LiveOptions{})
	var b strings.Builder
	b.WriteString("subscription { ")
	for i := range 300 {
		fmt.Fprintf(&b, "nope%d ", i)
	}
	b.WriteString("}")
	st := openSSE(t, s.URL, "", b.String(), nil)
	name, data := st.next(t)
	var body struct {
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.Unmarshal(data, &body); err != nil || name != "next" {
		t.Fatalf("event %q %v: %.300s", name, err, data)
	}
	if n := len(body.Errors); n != 21 {
		t.Fatalf("%d errors, want 21: %.300s", n, data)
	}
	if more, _ := body.Errors[20].Extensions["omittedErrors"].(float64); more < 280 {
		t.Errorf("last error says %v left out, want at least 280", body.Errors[20].Extensions["omittedErrors"])
	}
}
