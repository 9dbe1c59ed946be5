package server_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
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

// TestListItemsInLine: a list whose items' fields all resolve in line (the
// homepage's articles, their bylines and tags) is marshalled without a
// goroutine per item; a list whose items have a field
// that waits still gets one per item, so that they wait together. Not
// parallel: it counts the goroutines the whole process starts.
func TestListItemsInLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.DisableResponseCache = true })
		if err := demo.Seed(context.Background(), s.Content); err != nil {
			t.Fatal(err)
		}
		var top struct {
			Articles struct{ Nodes []struct{ Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 20) { nodes { slug } } }`}, &top)
		n := uint64(len(top.Articles.Nodes))
		if n < 5 {
			t.Fatalf("the demo content has %d articles; want 5 or more to count goroutines by", n)
		}
		// The fewest goroutines any of five requests started: another
		// part of the process may start one now and then.
		fewest := func(query string) uint64 {
			target := "/graphql?" + url.Values{"query": {query}}.Encode()
			least := uint64(1 << 62)
			for range 5 {
				before := goroutinesCreated()
				serveHot(t, s, target)
				least = min(least, goroutinesCreated()-before)
			}
			return least
		}
		if got := fewest(hotHome); got >= n {
			t.Errorf("the homepage of %d articles started %d goroutines: one per article or more", n, got)
		}
		if got := fewest(`{ articles(first: 20) { nodes { slug url } } }`); got < n-1 {
			t.Errorf("a list of %d articles asking their url (a resolver) started %d goroutines, want one per article", n, got)
		}
	})
}
