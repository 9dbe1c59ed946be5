package server_test

import (
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
)

// Lists leave the bodies out of their SQL unless a node asks for one; a
// node that does must get it, however it is reached.
func TestListsLoadBodiesWhenAsked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		s := testserver.WithDemo(t, db)
		for _, q := range []string{
			`{ articles(first: 3) { nodes { bodyHtml body } } }`,
			`{ articles(first: 3) { edges { node { body bodyHtml } } } }`,
			`{ articles(first: 3) { nodes { ...on Node { ...on Article { body bodyHtml } } } } }`,
			`{ category(slug: "world") { articles(first: 3) { nodes { ...F } } } } fragment F on Article { body bodyHtml }`,
		} {
			var got struct {
				Articles, Category struct {
					Nodes []struct{ Body, BodyHTML string }
					Edges []struct {
						Node struct{ Body, BodyHTML string }
					}
					Articles struct {
						Nodes []struct{ Body, BodyHTML string }
					}
				}
			}
			s.MustData(t, testserver.Request{Query: q}, &got)
			nodes := append(append(got.Articles.Nodes, got.Category.Articles.Nodes...), func() (out []struct{ Body, BodyHTML string }) {
				for _, e := range got.Articles.Edges {
					out = append(out, e.Node)
				}
				return out
			}()...)
			if len(nodes) == 0 {
				t.Fatalf("%s: no articles", q)
			}
			for _, n := range nodes {
				if n.Body == "" || n.BodyHTML == "" {
					t.Errorf("%s: an article came without its body", q)
				}
			}
		}
	})
}
