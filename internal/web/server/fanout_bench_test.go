package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/hostile"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// BenchmarkFanOutRefusal times a fan-out document's whole way through the
// HTTP handler (parse, validation, guards, the refusal) by its depth. The
// document differs on each request, as an attacker's would, so the
// parsed-document cache does not help; the time stays flat in the depth.
func BenchmarkFanOutRefusal(b *testing.B) {
	db := dbtest.Open(b, dbconn.SQLite)
	s := testserver.New(b, db, nil)
	for _, depth := range []int{10, 20, 30, 60, 120, 400} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				q := hostile.FanOut(depth, "Query", "__typename", "articles(first: 1) { nodes { title } }") + fmt.Sprintf("# %d\n", i)
				r := s.Do(b, testserver.Request{Query: q})
				if depth >= 20 && !slices.Equal(r.Codes(), []string{"COMPLEXITY_LIMIT_EXCEEDED"}) {
					b.Fatal(r)
				}
			}
		})
	}
}
