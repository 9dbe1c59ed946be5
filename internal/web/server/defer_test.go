package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// TestDeferAnsweredInLine: fields under @defer come in the one response,
// as if not deferred (the incremental-delivery proposal lets a server do
// so), over POST and GET, whatever the client accepts. They used to be
// resolved apart for a later payload that the transport never sent, and
// answered null without an error.
func TestDeferAnsweredInLine(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		for _, tc := range []struct{ name, plain, deferred string }{
			{"a list's items",
				`{ articles(first: 3) { nodes { title bodyHtml related(first: 1) { title } url } } }`,
				`{ articles(first: 3) { nodes { title ... @defer(label: "body") { bodyHtml related(first: 1) { title } } url } } }`},
			{"an article, nested",
				`query($slug: String!) { article(slug: $slug) { title bodyHtml coverImage { url } related(first: 2) { title url } } }`,
				`query($slug: String!) { article(slug: $slug) { title ... @defer { bodyHtml coverImage { url } } related(first: 2) { ... @defer(label: "inner") { title url } } } }`},
			{"a named fragment",
				`{ articles(first: 2) { nodes { slug url tags { name } } } }`,
				`{ articles(first: 2) { nodes { slug ...Later @defer(label: "x") } } } fragment Later on Article { url tags { name } }`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				vars := map[string]any{"slug": demo.SeedSlug}
				if !bytes.Contains([]byte(tc.plain), []byte("$slug")) {
					vars = nil
				}
				want := s.Do(t, testserver.Request{Query: tc.plain, Variables: vars})
				if want.Status != http.StatusOK || len(want.Errors) > 0 || !bytes.Contains(want.Data, []byte(`"url":"http`)) {
					t.Fatalf("the query without @defer: %s", want)
				}
				for _, req := range []testserver.Request{
					{Query: tc.deferred, Variables: vars},
					{Query: tc.deferred, Variables: vars, GET: true},
					{Query: tc.deferred, Variables: vars, Header: http.Header{"Accept": {"multipart/mixed;deferSpec=20220824, application/json"}}},
				} {
					got := s.Do(t, req)
					if got.Status != http.StatusOK || len(got.Errors) > 0 {
						t.Errorf("GET %v, Accept %q: %s", req.GET, req.Header.Get("Accept"), got)
						continue
					}
					if !bytes.Equal(got.Data, want.Data) {
						t.Errorf("GET %v, Accept %q: data\n %s\nwant (as without @defer)\n %s", req.GET, req.Header.Get("Accept"), got.Data, want.Data)
					}
					if bytes.Contains(got.Body, []byte("hasNext")) {
						t.Errorf("GET %v: a response announcing more: %s", req.GET, got.Body)
					}
				}
			})
		}
	})
}
