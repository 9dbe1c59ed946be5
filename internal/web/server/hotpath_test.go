package server_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/hotpath from the current answers")

// TestHotPathGolden pins the uncached read requests of the load harness
// (homepage, article, section, author, related) to answers recorded before
// the hot path was reworked (issue 18): the same bytes, and no more SQL
// statements than then. Run with -update-golden only when an answer is
// meant to change.
func TestHotPathGolden(t *testing.T) {
	t.Parallel()
	clock := testserver.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db, content.WithClock(clock.Now))
		for _, sc := range hotScenarios(t, s) {
			t.Run(sc.name, func(t *testing.T) {
				body, stmts := serveHot(t, s, sc.target)
				got := append([]byte(fmt.Sprintf("statements: %d\n", stmts)), body...)
				path := filepath.Join("testdata", "hotpath", string(db.Dialect)+"-"+sc.name+".txt")
				if *updateGolden {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				wantStmts, wantBody, _ := bytes.Cut(want, []byte("\n"))
				var n int64
				if _, err := fmt.Sscanf(string(wantStmts), "statements: %d", &n); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if !bytes.Equal(body, wantBody) {
					t.Errorf("answer differs from %s:\n got %s\nwant %s", path, body, wantBody)
				}
				if stmts > n {
					t.Errorf("%d SQL statements, %d before", stmts, n)
				}
			})
		}
	})
}
