// Package guard refuses abusive GraphQL operations before they execute:
// too deep, too costly (lists cost in proportion to their page size), or
// asking for introspection where it is turned off. Each check is a gqlgen
// extension that runs after validation and before any resolver, so a
// refused operation never touches the database.
package guard

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes of the guards (extensions.code).
const (
	CodeDepthLimit         = "DEPTH_LIMIT_EXCEEDED"
	CodeComplexityLimit    = "COMPLEXITY_LIMIT_EXCEEDED" // gqlgen's own code
	CodeIntrospectionOff   = "INTROSPECTION_DISABLED"
	CodeTokenLimitExceeded = "TOKEN_LIMIT_EXCEEDED"
)

// DepthLimit refuses operations whose selections nest deeper than Max
// fields. Introspection fields (__schema, __type) do not count: gqlparser's
// own rule bounds their depth, and GraphiQL's introspection query is deep.
type DepthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

func (DepthLimit) ExtensionName() string                   { return "DepthLimit" }
func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation's depth.
func (d DepthLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if d.Max <= 0 {
		return nil
	}
	depth := selectionDepth(opCtx.Operation.SelectionSet, map[string]bool{}, 0, d.Max)
	if depth > d.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation nests fields more than %d deep", d.Max),
			Extensions: map[string]any{"code": CodeDepthLimit, "limit": d.Max},
		}
	}
	return nil
}

// selectionDepth returns the depth of set, stopping once it exceeds max.
// visiting guards against fragment cycles (validation rejects them first,
// but the guard must not depend on that).
func selectionDepth(set ast.SelectionSet, visiting map[string]bool, depth, max int) int {
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = depth + 1
			if d <= max && len(s.SelectionSet) > 0 {
				d = selectionDepth(s.SelectionSet, visiting, d, max)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, visiting, depth, max)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, visiting, depth, max)
			delete(visiting, s.Name)
		}
		if d > deepest {
			deepest = d
		}
		if deepest > max {
			return deepest
		}
	}
	return deepest
}

// NoIntrospection refuses operations that select __schema or __type, with
// a clear code, when introspection is turned off. __typename stays allowed.
type NoIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = NoIntrospection{}

func (NoIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (NoIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext looks for introspection fields anywhere.
func (NoIntrospection) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if introspects(opCtx.Operation.SelectionSet, map[string]bool{}) {
		return &gqlerror.Error{
			Message:    "introspection is disabled on this server",
			Extensions: map[string]any{"code": CodeIntrospectionOff},
		}
	}
	return nil
}

func introspects(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if introspects(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
