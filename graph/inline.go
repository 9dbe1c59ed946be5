package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalSliceInline marshals the items of a list one after the other on
// the calling goroutine: what graphql.MarshalSliceConcurrently does for a
// list of one item, for every length. go generate (graph/gen) puts it in
// place of MarshalSliceConcurrently for the lists of objects whose fields
// never wait on a loader batch of their siblings (an article's authors and
// tags, sections): a goroutine per tag cost more than the tag (issue 18).
// Each item has its own field context with its index, and a panic in one
// nulls that item and is reported, as in gqlgen.
func marshalSliceInline(ctx context.Context, n int, omitPanicHandler bool, marshal func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, n)
	for i := range n {
		index := i
		child := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
		if omitPanicHandler {
			ret[i] = marshal(child, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(child, graphql.Recover(child, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshal(child, i)
		}()
	}
	return ret
}
