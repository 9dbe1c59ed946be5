package guard

import (
	"context"
	"math"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/broadsheet/broadsheet/graph"
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

// TestLeavesCostOne: no scalar or enum field has a Complexity function,
// so the cost meter prices every leaf at 1 without asking gqlgen's
// Complexity (which builds an execution context per call). Every
// argument is given, defaults and required ones alike, so that a function
// taking arguments answers rather than failing on a missing one.
func TestLeavesCostOne(t *testing.T) {
	es := graph.NewExecutableSchema(graph.Config{Complexity: Complexity()})
	schema := es.Schema()
	leaves, priced := 0, 0
	for _, def := range schema.Types {
		if def.Kind != ast.Object && def.Kind != ast.Interface {
			continue
		}
		for _, f := range def.Fields {
			if typ := schema.Types[f.Type.Name()]; typ == nil || typ.Kind != ast.Scalar && typ.Kind != ast.Enum {
				if _, ok := es.Complexity(context.Background(), def.Name, f.Name, 1, sampleArgs(schema, f.Arguments)); ok {
					priced++
				}
				continue
			}
			leaves++
			if c, ok := es.Complexity(context.Background(), def.Name, f.Name, 0, sampleArgs(schema, f.Arguments)); ok {
				t.Errorf("%s.%s, a leaf, has a Complexity function (cost %d): the cost meter prices leaves at 1", def.Name, f.Name, c)
			}
		}
	}
	// The probe finds the functions that exist: were every answer false
	// (arguments refused, say), the test above would prove nothing.
	if leaves == 0 || priced < 10 {
		t.Fatalf("%d leaves and %d priced fields found: the probe does not reach the Complexity functions", leaves, priced)
	}
}

// sampleArgs gives every argument in defs a value of its type: its
// default, or a plausible one.
func sampleArgs(schema *ast.Schema, defs ast.ArgumentDefinitionList) map[string]any {
	args := map[string]any{}
	for _, a := range defs {
		if a.DefaultValue != nil {
			v, err := a.DefaultValue.Value(nil)
			if err == nil {
				args[a.Name] = v
				continue
			}
		}
		args[a.Name] = sampleValue(schema, a.Type)
	}
	return args
}

func sampleValue(schema *ast.Schema, typ *ast.Type) any {
	if typ.Elem != nil {
		return []any{sampleValue(schema, typ.Elem)}
	}
	def := schema.Types[typ.Name()]
	switch {
	case def == nil:
		return nil
	case def.Kind == ast.Enum:
		return def.EnumValues[0].Name
	case def.Kind == ast.InputObject:
		return map[string]any{}
	}
	switch typ.Name() {
	case "Int":
		return int64(1)
	case "Float":
		return 1.0
	case "Boolean":
		return true
	case "Time":
		return "2026-01-01T00:00:00Z"
	}
	return "x"
}
