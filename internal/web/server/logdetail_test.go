package server_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// A field that fails logs its error, and errors quote what they were asked
// (the slug a reader sent): the log line stays short and carries no email.
func TestFailedFieldLogsBriefly(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	var logs syncBuffer
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		c.DisableResponseCache = true
	})
	db.Close() // every statement now fails, naming its arguments
	slug := "alice.reader@example.com-" + strings.Repeat("s", 200_000)
	r := s.Do(t, testserver.Request{Query: `query($s: String) { article(slug: $s) { title } }`, Variables: map[string]any{"s": slug}})
	if len(r.Errors) == 0 {
		t.Fatalf("a query on a closed database answered without errors: %s", r)
	}
	out := logs.String()
	if !strings.Contains(out, `"msg":"request failed"`) {
		t.Fatalf("no 'request failed' line in the log:\n%s", out[:min(len(out), 2000)])
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if len(line) > 2*reqinfo.DetailBytes+500 {
			t.Errorf("log line of %d bytes: %.300s…", len(line), line)
		}
		if strings.Contains(line, "alice.reader") {
			t.Errorf("log line carries the reader's email: %.300s…", line)
		}
	}
}
