package server_test

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// The GraphQL-over-HTTP specification, MUSTs and SHOULDs.
func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.WithDemo(t, db)
	type want struct {
		status int
		media  string // response Content-Type media type
		code   string // first error code; "" for none
		data   bool   // data entry present
	}
	jsonOK := want{200, "application/json", "", true}
	cases := []struct {
		name        string
		method      string
		path        string // after /graphql
		contentType string
		accept      string
		body        string
		want        want
	}{
		{"POST application/json", "POST", "", "application/json", "", `{"query":"{ __typename }"}`, jsonOK},
		{"POST with charset", "POST", "", "application/json; charset=utf-8", "", `{"query":"{ __typename }"}`, jsonOK},
		{"Accept */* gets application/json", "POST", "", "application/json", "*/*", `{"query":"{ __typename }"}`, jsonOK},
		{"Accept graphql-response+json", "POST", "", "application/json", "application/graphql-response+json", `{"query":"{ __typename }"}`, want{200, "application/graphql-response+json", "", true}},
		{"Accept both, preferring json", "POST", "", "application/json", "application/graphql-response+json;q=0.5, application/json", `{"query":"{ __typename }"}`, jsonOK},
		{"Accept nothing we make", "POST", "", "application/json", "text/html", `{"query":"{ __typename }"}`, want{406, "application/json", "NOT_ACCEPTABLE", false}},
		{"GET query", "GET", "?query=%7B__typename%7D", "", "", "", jsonOK},
		{"GET mutation", "GET", "?query=mutation%7Bx%7D", "", "", "", want{405, "application/json", "METHOD_NOT_ALLOWED", false}},
		{"GET mutation chosen by operationName", "GET", "?query=query+A%7B__typename%7D+mutation+B%7Bx%7D&operationName=B", "", "", "", want{405, "application/json", "METHOD_NOT_ALLOWED", false}},
		{"PUT", "PUT", "", "application/json", "", `{"query":"{ __typename }"}`, want{405, "application/json", "METHOD_NOT_ALLOWED", false}},
		{"POST without Content-Type", "POST", "", "", "", `{"query":"{ __typename }"}`, want{415, "application/json", "UNSUPPORTED_MEDIA_TYPE", false}},
		{"POST text/plain", "POST", "", "text/plain", "", `{"query":"{ __typename }"}`, want{415, "application/json", "UNSUPPORTED_MEDIA_TYPE", false}},
		{"POST latin-1", "POST", "", "application/json; charset=iso-8859-1", "", `{"query":"{ __typename }"}`, want{415, "application/json", "UNSUPPORTED_MEDIA_TYPE", false}},
		{"missing query", "POST", "", "application/json", "", `{"variables":{}}`, want{400, "application/json", "BAD_REQUEST", false}},
		{"query not a string", "POST", "", "application/json", "", `{"query":42}`, want{400, "application/json", "BAD_REQUEST", false}},
		{"variables not an object", "POST", "", "application/json", "", `{"query":"{ __typename }","variables":"x"}`, want{400, "application/json", "BAD_REQUEST", false}},
		{"two JSON values", "POST", "", "application/json", "", `{"query":"{ __typename }"}{}`, want{400, "application/json", "BAD_REQUEST", false}},
		{"GET variables not JSON", "GET", "?query=%7B__typename%7D&variables=nope", "", "", "", want{400, "application/json", "BAD_REQUEST", false}},
		{"parse error, json", "POST", "", "application/json", "application/json", `{"query":"{"}`, want{200, "application/json", "GRAPHQL_PARSE_FAILED", false}},
		{"parse error, graphql-response+json", "POST", "", "application/json", "application/graphql-response+json", `{"query":"{"}`, want{400, "application/graphql-response+json", "GRAPHQL_PARSE_FAILED", false}},
		{"validation error, graphql-response+json", "POST", "", "application/json", "application/graphql-response+json", `{"query":"{ nope }"}`, want{400, "application/graphql-response+json", "GRAPHQL_VALIDATION_FAILED", false}},
		{"unknown operationName", "POST", "", "application/json", "application/graphql-response+json", `{"query":"query A { __typename }","operationName":"B"}`, want{400, "application/graphql-response+json", "GRAPHQL_VALIDATION_FAILED", false}},
		{"field error, graphql-response+json", "POST", "", "application/json", "application/graphql-response+json", `{"query":"{ article { id } }"}`, want{200, "application/graphql-response+json", "BAD_USER_INPUT", true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = bytes.NewBufferString(tc.body)
			}
			req, _ := http.NewRequest(tc.method, s.URL+"/graphql"+tc.path, body)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			r := s.Send(t, req)
			if r.Status != tc.want.status {
				t.Errorf("status %d, want %d: %.300s", r.Status, tc.want.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != tc.want.media+"; charset=utf-8" {
				t.Errorf("Content-Type %q, want %s; charset=utf-8", ct, tc.want.media)
			}
			code := ""
			if codes := r.Codes(); len(codes) > 0 {
				code = codes[0]
			}
			if code != tc.want.code {
				t.Errorf("code %q, want %q: %.300s", code, tc.want.code, r.Body)
			}
			if r.HasData != tc.want.data {
				t.Errorf("data entry present = %v, want %v: %.300s", r.HasData, tc.want.data, r.Body)
			}
			if tc.want.status == 405 && r.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
	t.Run("OPTIONS", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/graphql", nil)
		res, _ := s.Raw(t, req)
		if res.StatusCode != http.StatusNoContent || !strings.Contains(res.Header.Get("Allow"), "POST") {
			t.Errorf("OPTIONS: %d Allow=%q", res.StatusCode, res.Header.Get("Allow"))
		}
	})
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	s := testserver.New(t, db, nil)
	huge := `{"query": "{ __typename }", "variables": {"pad": "` + strings.Repeat("x", 5<<20) + `"}}`
	for _, tc := range []struct {
		name   string
		length bool
	}{{"5 MiB with Content-Length", true}, {"5 MiB chunked", false}} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(huge)
			if !tc.length {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", body)
			req.Header.Set("Content-Type", "application/json")
			r := s.Send(t, req)
			if r.Status != http.StatusRequestEntityTooLarge || !slices.Equal(r.Codes(), []string{"PAYLOAD_TOO_LARGE"}) || r.HasData {
				t.Errorf("want 413 PAYLOAD_TOO_LARGE without data: %.300s", r)
			}
		})
	}
}
