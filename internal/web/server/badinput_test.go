package server_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

func TestBadInputGetsCodedErrors(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
		wantData    bool // the request reached execution: data is present (maybe null); otherwise absent
	}{
		{"invalid cursor", `{ articles(first: 2, after: "not-a-cursor") { nodes { id } } }`, nil, "BAD_USER_INPUT", true},
		{"cursor of another ordering", `query($c: String) { articles(after: $c, orderBy: {field: TITLE, direction: ASC}) { nodes { id } } }`, map[string]any{"c": "YzE6eyJrIjoicHVibGlzaGVkX2F0IiwidiI6IjIwMjQtMTAtMzFUMDk6MDA6MDBaIiwiaSI6Nn0"}, "BAD_USER_INPUT", true},
		{"negative first", `{ articles(first: -1) { nodes { id } } }`, nil, "BAD_USER_INPUT", false},                 // refused before execution (guard.PageSizes)
		{"huge first", `{ articles(first: 100000) { nodes { id } } }`, nil, "BAD_USER_INPUT", false},                 // the range, before the cost
		{"first just over the page size", `{ articles(first: 101) { nodes { id } } }`, nil, "BAD_USER_INPUT", false}, // refused before execution (guard.PageSizes)
		{"huge last", `{ tags(first: 101) { nodes { id } } }`, nil, "BAD_USER_INPUT", false},                         // refused before execution (guard.PageSizes)
		{"cursor of another ordering, backwards", `query($c: String) { articles(last: 2, before: $c, orderBy: {field: TITLE, direction: ASC}) { nodes { id } } }`, map[string]any{"c": "YzE6eyJrIjoicHVibGlzaGVkX2F0IiwidiI6IjIwMjQtMTAtMzFUMDk6MDA6MDBaIiwiaSI6Nn0"}, "BAD_USER_INPUT", true},
		{"first and last", `{ articles(first: 2, last: 2) { nodes { id } } }`, nil, "BAD_USER_INPUT", true},
		{"article without id or slug", `{ article { id } }`, nil, "BAD_USER_INPUT", true},
		{"article with id and slug", `{ article(id: "QXJ0aWNsZTox", slug: "x") { id } }`, nil, "BAD_USER_INPUT", true},
		{"garbage id", `{ article(id: "%%%") { id } }`, nil, "BAD_USER_INPUT", true},
		{"id of another type", `{ article(id: "VGFnOjE") { id } }`, nil, "BAD_USER_INPUT", true},
		{"node with garbage id", `{ node(id: "Zm9vOmJhcg") { id } }`, nil, "BAD_USER_INPUT", true},
		{"bad time", `{ articles(filter: {publishedAfter: "yesterday"}) { nodes { id } } }`, nil, "BAD_USER_INPUT", true},
		{"bad time in variables", `query($t: Time) { articles(filter: {publishedAfter: $t}) { nodes { id } } }`, map[string]any{"t": "2024-13-45"}, "BAD_USER_INPUT", true},
		{"unknown field", `{ articles { nodes { nope } } }`, nil, "GRAPHQL_VALIDATION_FAILED", false},
		{"unknown enum", `{ articles(filter: {status: [LIVE]}) { nodes { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED", false},
		{"wrong variable type", `query($n: Int) { articles(first: $n) { nodes { id } } }`, map[string]any{"n": "ten"}, "GRAPHQL_VALIDATION_FAILED", false},
		{"syntax error", `{ articles( `, nil, "GRAPHQL_PARSE_FAILED", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(t, testserver.Request{Query: tc.query, Variables: tc.vars})
			if codes := r.Codes(); len(codes) == 0 || codes[0] != tc.code {
				t.Fatalf("codes = %v, want %s: %s", codes, tc.code, r.Body)
			}
			if r.HasData != tc.wantData {
				t.Errorf("data entry present = %v, want %v (a request refused before execution has no data entry): %s", r.HasData, tc.wantData, r.Body)
			}
			if strings.Contains(tc.query, "before:") && (len(r.Errors) == 0 || r.Errors[0].Extensions["field"] != "before") {
				t.Errorf("a bad before cursor names field %v, want before", r.Errors)
			}
			for _, e := range r.Errors {
				if id := r.Header.Get("X-Request-Id"); id == "" || e.Extensions["requestId"] != id {
					t.Errorf("error %q has requestId %v, want the X-Request-Id %q", e.Message, e.Extensions["requestId"], id)
				}
			}
			if strings.Contains(string(r.Body), "goroutine") || strings.Contains(string(r.Body), ".go:") {
				t.Errorf("response leaks a stack trace: %s", r.Body)
			}
		})
	}

	t.Run("missing article is null", func(t *testing.T) {
		var got struct{ Article *struct{ ID string } }
		s.MustData(t, testserver.Request{Query: `{ article(slug: "no-such-article") { id } }`}, &got)
		if got.Article != nil {
			t.Errorf("article = %+v, want null", got.Article)
		}
	})
}

func TestMalformedHTTPRequests(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil)
	cases := []struct {
		name, method, contentType, body string
		status                          int
		code                            string
	}{
		{"malformed JSON", http.MethodPost, "application/json", `{"query": "{ articles { nodes { id } } }"`, http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON that is not an object", http.MethodPost, "application/json", `[1,2,3]`, http.StatusBadRequest, "BAD_REQUEST"},
		{"empty body", http.MethodPost, "application/json", ``, http.StatusBadRequest, "BAD_REQUEST"},
		{"oversized body", http.MethodPost, "application/json", `{"query": "` + strings.Repeat("a", 2<<20) + `"}`, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+"/graphql", bytes.NewBufferString(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			r := s.Send(t, req)
			if r.Status != tc.status {
				t.Errorf("status %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if codes := r.Codes(); !slices.Contains(codes, tc.code) {
				t.Errorf("codes %v, want %s: %.300s", codes, tc.code, r.Body)
			}
			if r.HasData {
				t.Errorf("a request error must not carry a data entry: %.300s", r.Body)
			}
		})
	}
}

func TestHealthAndGraphiQL(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "graphiql"} {
		res, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		buf.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(strings.ToLower(buf.String()), want) {
			t.Errorf("GET %s: %d %.200s", path, res.StatusCode, buf.String())
		}
	}
	db.Close()
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database closed: %d, want 503", res.StatusCode)
	}
}
