package server_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/dbconn"
	"github.com/broadsheet/broadsheet/internal/dbtest"
	"github.com/broadsheet/broadsheet/internal/testserver"
)

// TestSSEMalformedBody: a body that is not a GraphQL JSON request, sent to
// the SSE transport, is refused with a short BAD_REQUEST that does not echo
// it, and logged as one short JSON line without the reader's email.
func TestSSEMalformedBody(t *testing.T) {
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
