package fanout

import (
	"maps"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// TestNeutralVariables: a variable given only to a neutral argument of the
// root field leaves the group; used anywhere else, it stays.
func TestNeutralVariables(t *testing.T) {
	tests := []struct {
		name, query string
		want        []string
	}{
		{"cursor variable", `subscription($a: ID!, $s: String) { liveBlogUpdated(articleId: $a, since: $s) { kind } }`, []string{"s"}},
		{"cursor literal", `subscription($a: ID!) { liveBlogUpdated(articleId: $a, since: "x") { kind } }`, nil},
		{"no cursor", `subscription($a: ID!) { liveBlogUpdated(articleId: $a) { kind } }`, nil},
		{"also in the selection", `subscription($a: ID!, $s: String) { liveBlogUpdated(articleId: $a, since: $s) { kind entry { title @include(if: $s) } } }`, nil},
		{"also in a fragment", `subscription($a: ID!, $s: String) { liveBlogUpdated(articleId: $a, since: $s) { ...F } } fragment F on LiveBlogChange { entry { bodyHtml(x: $s) } }`, nil},
		{"another argument", `subscription($a: ID!) { liveBlogUpdated(articleId: $a) { kind } }`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			op := doc.Operations[0]
			for _, f := range doc.Fragments {
				resolveSpreads(op.SelectionSet, f)
			}
			got := slices.Sorted(maps.Keys(neutralVariables(op, []string{"since"})))
			if !slices.Equal(got, tc.want) {
				t.Errorf("neutral variables = %v, want %v", got, tc.want)
			}
		})
	}
}

// resolveSpreads links spreads to their definitions, as validation does.
func resolveSpreads(set ast.SelectionSet, f *ast.FragmentDefinition) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			resolveSpreads(s.SelectionSet, f)
		case *ast.FragmentSpread:
			if s.Name == f.Name {
				s.Definition = f
			}
		}
	}
}
