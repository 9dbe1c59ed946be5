package graph

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// collectedFields remembers, for one operation, the fields collected from
// each selection set for each object type (graph/internal/execgen points
// the generated object marshallers here). gqlgen caches them per operation
// too, but finds them under a key it makes anew for every object: a hash
// of the type's names and the selection set boxed for reflect, two
// allocations per object marshalled. Here the key is the selection set's
// and the names' addresses, which the generated code passes unchanged for
// every item of a list.
type collectedFields struct {
	mu   sync.Mutex
	sets map[collectedKey][]graphql.CollectedField
}

// collectedKey names a selection set and the type names it is collected
// for by where they lie.
type collectedKey struct {
	sel       *ast.Selection
	n         int
	satisfies *string
}

// of returns the fields of sel that apply to an object satisfying
// satisfies, as graphql.CollectFields does (and by calling it the first
// time). The slice is shared: callers do not change it, as with gqlgen's.
func (c *collectedFields) of(op *graphql.OperationContext, sel ast.SelectionSet, satisfies []string) []graphql.CollectedField {
	k := collectedKey{n: len(sel)}
	if len(sel) > 0 {
		k.sel = &sel[0]
	}
	if len(satisfies) > 0 {
		k.satisfies = &satisfies[0]
	}
	c.mu.Lock()
	fields, ok := c.sets[k]
	c.mu.Unlock()
	if ok {
		return fields
	}
	fields = graphql.CollectFields(op, sel, satisfies)
	c.mu.Lock()
	if c.sets == nil {
		c.sets = make(map[collectedKey][]graphql.CollectedField)
	}
	c.sets[k] = fields
	c.mu.Unlock()
	return fields
}
