package server_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// slowStatement is a statement that runs until it is cancelled (or for
// far longer than any test waits).
var slowStatement = map[dbconn.Dialect]string{
	dbconn.SQLite: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000000000) SELECT count(*) FROM n`,
	dbconn.MySQL:  `SELECT SLEEP(60)`,
}

// A query whose database statement outlives --request-timeout is cut
// short by the deadline and answered TIMEOUT, not UNAVAILABLE: the
// database was reachable all along, and the server keeps answering.
func TestRequestTimeoutIsATimeout(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.RequestTimeout = 300 * time.Millisecond })
		if err := demo.Seed(context.Background(), s.Content); err != nil {
			t.Fatal(err)
		}
		var slow atomic.Bool
		// Before every read, while slow is set, a statement that only the
		// deadline ends runs on the same connection pool and context.
		// Reads go through Find (the query callbacks) or, where rows are
		// scanned by hand, Rows (the row callbacks): both are slowed.
		slowDown := func(tx *gorm.DB) {
			if !slow.Load() {
				return
			}
			var n int64
			if err := tx.Statement.ConnPool.QueryRowContext(tx.Statement.Context, slowStatement[db.Dialect]).Scan(&n); err != nil {
				tx.AddError(err)
			}
		}
		if err := db.Callback().Query().Before("gorm:query").Register("test:slow", slowDown); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Callback().Query().Remove("test:slow") })
		if err := db.Callback().Row().Before("gorm:row").Register("test:slow", slowDown); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Callback().Row().Remove("test:slow") })

		slow.Store(true)
		r := s.Do(t, testserver.Request{Query: `{ articles(first: 2) { nodes { title } } }`})
		slow.Store(false)
		if codes := r.Codes(); len(codes) == 0 || !slices.Equal(slices.Compact(codes), []string{"TIMEOUT"}) {
			t.Fatalf("codes %v, want TIMEOUT: %s", codes, r)
		}
		var got struct {
			Articles struct{ Nodes []struct{ Title string } }
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 2) { nodes { title } } }`}, &got)
		if len(got.Articles.Nodes) != 2 {
			t.Errorf("after the timeout: %d articles, want 2", len(got.Articles.Nodes))
		}
	})
}
