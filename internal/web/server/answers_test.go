package server_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// TestAnswersUnderLoadAreTheirOwn: answers are written into buffers the
// transport lends and takes back after each request (respbuf). Many
// requests at once, for different articles with their bodies (answers of
// several kilobytes, through the response cache's absence so that every
// one executes), must each get its own answer, byte for byte what it is
// when sent alone. Under test respbuf fills a buffer it takes back with
// '#'s, so data still held then never passes for an answer.
func TestAnswersUnderLoadAreTheirOwn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.New(t, db, nil, func(c *server.Config) { c.DisableResponseCache = true })
		if err := demo.Seed(context.Background(), s.Content); err != nil {
			t.Fatal(err)
		}
		var list struct {
			Articles struct{ Nodes []struct{ Slug string } }
		}
		s.MustData(t, testserver.Request{Query: `{ articles(first: 12) { nodes { slug } } }`}, &list)
		if len(list.Articles.Nodes) < 6 {
			t.Fatalf("the demo has %d articles, want at least 6", len(list.Articles.Nodes))
		}
		const query = `query($slug: String!) { article(slug: $slug) { slug title bodyHtml authors { name } tags { name } } }`
		want := map[string][]byte{}
		for _, n := range list.Articles.Nodes {
			r := s.Do(t, testserver.Request{Query: query, Variables: map[string]any{"slug": n.Slug}})
			if r.Status != http.StatusOK || len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(n.Slug)) {
				t.Fatalf("article %q alone: %s", n.Slug, r)
			}
			want[n.Slug] = r.Body
		}
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 3 * len(list.Articles.Nodes) {
					slug := list.Articles.Nodes[(g+i)%len(list.Articles.Nodes)].Slug
					get := i%2 == 0
					r := s.Do(t, testserver.Request{Query: query, Variables: map[string]any{"slug": slug}, GET: get})
					if !bytes.Equal(r.Body, want[slug]) {
						t.Errorf("article %q (GET %v) among others: %d bytes, not the %d it answers alone:\n%.300s", slug, get, len(r.Body), len(want[slug]), r.Body)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
