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
func (d DepthLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if d.Max <= 0 || opCtx.Operation == nil {
		return nil
	}
	if err := Stopped(ctx); err != nil {
		return err
	}
	m := depthMeter{t: ticker{ctx: ctx}, frags: map[string]int{}}
	depth := m.depth(opCtx.Operation.SelectionSet)
	if m.t.err != nil {
		return stoppedErr(m.t.err)
	}
	if depth > d.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the operation nests fields more than %d deep", d.Max),
			Extensions: map[string]any{"code": CodeDepthLimit, "limit": d.Max},
		}
	}
	return nil
}

// depthMeter measures selection depth, each fragment once: a fragment's
// depth does not depend on where it is spread, so a document whose
// fragments spread each other twice over costs no more than its size.
type depthMeter struct {
	t ticker
	// frags holds each measured fragment's depth; -1 while it is being
	// measured, so a cycle (which validation rejects first) counts as 0.
	frags map[string]int
}

// depth returns how many fields deep set nests.
func (m *depthMeter) depth(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		if m.t.tick() {
			return deepest
		}
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + m.depth(s.SelectionSet)
		case *ast.InlineFragment:
			d = m.depth(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			known, ok := m.frags[s.Name]
			switch {
			case ok && known >= 0:
				d = known
			case ok: // a cycle
				continue
			default:
				m.frags[s.Name] = -1
				d = m.depth(s.Definition.SelectionSet)
				m.frags[s.Name] = d
			}
		}
		deepest = max(deepest, d)
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
func (NoIntrospection) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if err := Stopped(ctx); err != nil {
		return err
	}
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
