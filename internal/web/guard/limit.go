package guard

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// ComplexityLimit refuses operations whose estimated cost (see Complexity)
// exceeds Max. It replaces gqlgen's extension.FixedComplexityLimit, which
// walks every fragment again at each of its spreads: a small document whose
// fragments each spread the next one twice took seconds to minutes. Here a
// fragment's cost is computed once and reused, so the walk is linear in
// the document; costs saturate, so the refusal is immediate.
type ComplexityLimit struct {
	Max int
	es  graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &ComplexityLimit{}

func (*ComplexityLimit) ExtensionName() string { return "ComplexityLimit" }

// Validate keeps the schema, whose Complexity functions price the fields.
func (c *ComplexityLimit) Validate(es graphql.ExecutableSchema) error {
	if es == nil {
		return errors.New("complexity limit: no schema")
	}
	c.es = es
	return nil
}

// MutateOperationContext estimates the operation's cost.
func (c *ComplexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if c.Max <= 0 || opCtx.Operation == nil {
		return nil
	}
	if err := Stopped(ctx); err != nil {
		return err
	}
	m := costMeter{ctx: ctx, t: ticker{ctx: ctx}, es: c.es, schema: c.es.Schema(), vars: opCtx.Variables, frags: map[string]int{}}
	cost := m.cost(opCtx.Operation.SelectionSet)
	if m.t.err != nil {
		return stoppedErr(m.t.err)
	}
	if cost > c.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("operation has complexity %d, which exceeds the limit of %d", cost, c.Max),
			Extensions: map[string]any{"code": CodeComplexityLimit, "limit": c.Max},
		}
	}
	return nil
}

// costMeter prices selections as gqlgen's complexity package does (a
// field's Complexity function, or 1 plus its selections; an interface
// field at its dearest implementation; introspection free), with each
// fragment priced once.
type costMeter struct {
	ctx    context.Context
	t      ticker
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	// frags holds each priced fragment's cost; -1 while it is being
	// priced, so a cycle (which validation rejects first) costs 0.
	frags map[string]int
}

func (m *costMeter) cost(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		if m.t.tick() {
			return total
		}
		switch s := sel.(type) {
		case *ast.Field:
			total = add(total, m.fieldCost(s))
		case *ast.InlineFragment:
			total = add(total, m.cost(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			known, ok := m.frags[s.Name]
			switch {
			case ok && known >= 0:
				total = add(total, known)
			case ok: // a cycle
			default:
				m.frags[s.Name] = -1
				c := m.cost(s.Definition.SelectionSet)
				m.frags[s.Name] = c
				total = add(total, c)
			}
		}
	}
	return total
}

func (m *costMeter) fieldCost(f *ast.Field) int {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1
	}
	typ := m.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return 0
	}
	child := 0
	switch typ.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = m.cost(f.SelectionSet)
	case ast.Scalar, ast.Enum:
		// No leaf has a Complexity function (TestLeavesCostOne): asking
		// gqlgen's would cost an execution context per field.
		return 1
	}
	var args map[string]any
	if len(f.Definition.Arguments) > 0 {
		args = f.ArgumentMap(m.vars) // a map per call, even with no arguments
	}
	if f.ObjectDefinition.Kind != ast.Interface {
		return m.priced(f.ObjectDefinition.Name, f.Name, typ.Kind, child, args)
	}
	dearest := 0
	for _, impl := range m.schema.GetPossibleTypes(f.ObjectDefinition) {
		dearest = max(dearest, m.priced(impl.Name, f.Name, typ.Kind, child, args))
	}
	return dearest
}

func (m *costMeter) priced(object, field string, kind ast.DefinitionKind, child int, args map[string]any) int {
	if c, ok := m.es.Complexity(m.ctx, object, field, child, args); ok && c >= 1 {
		return c
	}
	return add(1, max(child, 0))
}
