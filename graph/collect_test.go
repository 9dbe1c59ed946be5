package graph

import (
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestCollectedFieldsAsGqlgen: an operation's collected fields are
// gqlgen's, for each selection set and type, found again without
// collecting them anew; the same selection set collected for another
// type, or another selection set, is collected apart.
func TestCollectedFieldsAsGqlgen(t *testing.T) {
	doc := loadQuery(t, `query($big: Boolean!) { articles(first: 2) { nodes { title ... on Article { slug } authors { name } id @include(if: $big) } } }`)
	for _, big := range []bool{true, false} {
		oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{"big": big}}
		var c collectedFields
		nodes := selectionAt(t, doc, "articles", "nodes")
		authors := selectionAt(t, doc, "articles", "nodes", "authors")
		for _, tc := range []struct {
			name      string
			sel       []string
			satisfies []string
		}{
			{"an article's", []string{"articles", "nodes"}, articleImplementors},
			{"an author's", []string{"articles", "nodes", "authors"}, authorImplementors},
			{"the article's selection for another type", []string{"articles", "nodes"}, authorImplementors},
		} {
			sel := selectionAt(t, doc, tc.sel...)
			want := graphql.CollectFields(oc, sel, tc.satisfies)
			got := c.of(oc, sel, tc.satisfies)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("big=%v, %s: collected %v, gqlgen %v", big, tc.name, names(got), names(want))
			}
			if again := c.of(oc, sel, tc.satisfies); len(again) > 0 && &again[0] != &got[0] {
				t.Errorf("big=%v, %s: collected anew the second time", big, tc.name)
			}
		}
		if n := len(c.of(oc, nodes, articleImplementors)); big && n != 4 || !big && n != 3 {
			t.Errorf("big=%v: %d fields of an article, want the variables' @include applied", big, n)
		}
		if len(c.sets) != 3 || len(c.of(oc, authors, authorImplementors)) != 1 {
			t.Errorf("big=%v: %d collections kept, want 3", big, len(c.sets))
		}
	}
}

func names(fields []graphql.CollectedField) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Alias
	}
	return out
}
