package guard

import (
	"context"
	"math"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// The depth walk must stop on fragment cycles by itself, even though
// validation rejects them before it runs.
func TestDepthSurvivesFragmentCycles(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: `
		query { ...A }
		fragment A on Query { articles { nodes { ...B } } }
		fragment B on Article { authors { ...A } }`})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Fragments {
		resolve(f.SelectionSet, doc)
	}
	resolve(doc.Operations[0].SelectionSet, doc)
	m := depthMeter{t: ticker{ctx: context.Background()}, frags: map[string]int{}}
	if d := m.depth(doc.Operations[0].SelectionSet); d != 3 {
		t.Errorf("depth = %d, want 3 (the cycle is not followed)", d)
	}
}

func resolve(set ast.SelectionSet, doc *ast.QueryDocument) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			resolve(s.SelectionSet, doc)
		case *ast.FragmentSpread:
			s.Definition = doc.Fragments.ForName(s.Name)
		}
	}
}

func TestComplexitySaturates(t *testing.T) {
	c := Complexity()
	huge := math.MaxInt32
	cost := c.Query.Articles(c.Author.Articles(c.Query.Articles(1, &huge, nil, nil, nil, nil, nil), &huge, nil, nil, nil), &huge, nil, nil, nil, nil, nil)
	if cost <= 0 || cost > math.MaxInt32 {
		t.Errorf("nested huge pages cost %d, want a saturated positive cost", cost)
	}
	first := 0
	if got := c.Query.Articles(10, &first, nil, nil, nil, nil, nil); got != 1 {
		t.Errorf("first: 0 costs %d, want 1", got)
	}
}
