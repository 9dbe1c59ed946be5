package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// fieldKey names a field of a type: {"Article", "related"}.
type fieldKey struct{ typ, field string }

// marshalList marshals the items of a list of objects; the generated code
// calls it where gqlgen's template calls graphql.MarshalSliceConcurrently
// (graph/internal/execgen points it here).
//
// gqlgen starts a goroutine per item so that items whose fields wait (on a
// loader's batch, a statement) wait together. When the list's selection
// sel reaches no field that may wait (waitingFields), every field of every
// item resolves in line and the goroutines only cost: starting them,
// growing their stacks and waiting for them took a fifth of a homepage's
// CPU. Such lists are marshalled one item after the other, each item with
// the field context gqlgen would give it and the same recovery from a
// panic; the others take gqlgen's way.
func marshalList(ctx context.Context, sel ast.SelectionSet, n int, workerLimit int64, omitPanicHandler bool,
	item func(context.Context, int) graphql.Marshaler,
) graphql.Array {
	if n < 2 || reachesWaiting(sel) {
		return graphql.MarshalSliceConcurrently(ctx, n, workerLimit, omitPanicHandler, item)
	}
	out := make(graphql.Array, n)
	// The items' field contexts and indexes, made together: one
	// allocation for the list rather than two per item.
	places := make([]listPlace, n)
	for i := range out {
		out[i] = marshalItem(ctx, &places[i], i, omitPanicHandler, item)
	}
	return out
}

// listPlace is an item's place in a list: its index and the field context
// holding it.
type listPlace struct {
	fc    graphql.FieldContext
	index int
}

// marshalItem marshals item i of a list in line, as gqlgen's goroutine for
// it would: in a field context holding its index (made in at), a panic
// turned into the item's error and a null.
func marshalItem(ctx context.Context, at *listPlace, i int, omitPanicHandler bool, item func(context.Context, int) graphql.Marshaler) (m graphql.Marshaler) {
	at.index = i
	at.fc.Index = &at.index
	ctx = graphql.WithFieldContext(ctx, &at.fc)
	if !omitPanicHandler {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				m = graphql.Null
			}
		}()
	}
	return item(ctx, i)
}

// reachesWaiting reports whether the selection sel, fragments included,
// asks for a field that may wait anywhere beneath it. A field whose parent
// type the validator did not record counts as one. The walk visits no
// more than marshalling one item of the list does (the same fields, its
// fragments expanded), so it adds less than one item's work to a list of
// two or more, whose size the guards already weigh.
func reachesWaiting(sel ast.SelectionSet) bool {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition == nil {
				return true
			}
			if _, ok := waitingFields[fieldKey{s.ObjectDefinition.Name, s.Name}]; ok {
				return true
			}
			if reachesWaiting(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if reachesWaiting(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || reachesWaiting(s.Definition.SelectionSet) {
				return true
			}
		default:
			return true
		}
	}
	return false
}
