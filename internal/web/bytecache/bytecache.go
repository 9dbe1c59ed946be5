// Package bytecache is a least-recently-used cache bounded by the bytes of
// what it holds rather than by a count of entries: a cache of request data
// (GraphQL documents, their parse trees) bounded by count lets a client
// that sends large documents fill memory with a few hundred of them.
package bytecache

import (
	"context"
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/vektah/gqlparser/v2/ast"
)

// Cache is an LRU of values keyed by string, holding at most MaxBytes as
// its size function counts them. It implements gqlgen's graphql.Cache.
// Safe for concurrent use.
type Cache[V any] struct {
	size func(key string, v V) int64
	max  int64

	mu   sync.Mutex
	lru  *simplelru.LRU[string, V]
	used int64
	// sizes remembers what each entry was charged, so that eviction
	// returns exactly that.
	sizes map[string]int64
}

// New returns a cache of at most maxBytes, each entry costing size(key, v).
func New[V any](maxBytes int64, size func(key string, v V) int64) *Cache[V] {
	c := &Cache[V]{size: size, max: maxBytes, sizes: map[string]int64{}}
	// The count bound is never reached: bytes decide.
	l, err := simplelru.NewLRU[string, V](math.MaxInt, func(key string, _ V) {
		c.used -= c.sizes[key]
		delete(c.sizes, key)
	})
	if err != nil {
		panic(err) // only for a non-positive count
	}
	c.lru = l
	return c
}

// Get returns the value under key and marks it recently used.
func (c *Cache[V]) Get(_ context.Context, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(key)
}

// Add stores v under key, evicting the least recently used entries until
// the cache fits its bound. A value larger than a quarter of the bound is
// not stored: it would push out many others for one.
func (c *Cache[V]) Add(_ context.Context, key string, v V) {
	n := c.size(key, v)
	if n > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Remove(key)
	c.lru.Add(key, v)
	c.sizes[key] = n
	c.used += n
	for c.used > c.max {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// Bytes returns the bytes the entries are charged.
func (c *Cache[V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// MaxBytes returns the bound.
func (c *Cache[V]) MaxBytes() int64 { return c.max }

// Len returns the number of entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// entryOverhead is what an entry costs besides its key and value: the
// list element, the map slots, the string headers.
const entryOverhead = 128

// StringSize charges a string entry its key, its value and the overhead.
func StringSize(key, v string) int64 { return int64(len(key) + len(v) + entryOverhead) }

// Sizes of a parse tree's nodes, measured on gqlparser's structs with
// their positions (a field with its position and slices is some 250 bytes).
const (
	nodeBytes  = 256
	valueBytes = 128
)

// DocumentSize estimates what a parsed document keeps alive: its source
// (the tree's positions point into it; the cache key is the same string)
// and its nodes. It walks each definition once, not through spreads.
func DocumentSize(query string, doc *ast.QueryDocument) int64 {
	n := int64(len(query) + entryOverhead)
	if doc == nil {
		return n
	}
	for _, op := range doc.Operations {
		n += nodeBytes + int64(len(op.VariableDefinitions))*nodeBytes + directivesSize(op.Directives) + selectionsSize(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		n += nodeBytes + directivesSize(f.Directives) + selectionsSize(f.SelectionSet)
	}
	return n
}

func selectionsSize(set ast.SelectionSet) int64 {
	var n int64
	for _, sel := range set {
		n += nodeBytes
		switch s := sel.(type) {
		case *ast.Field:
			n += argumentsSize(s.Arguments) + directivesSize(s.Directives) + selectionsSize(s.SelectionSet)
		case *ast.InlineFragment:
			n += directivesSize(s.Directives) + selectionsSize(s.SelectionSet)
		case *ast.FragmentSpread:
			n += directivesSize(s.Directives)
		}
	}
	return n
}

func directivesSize(ds ast.DirectiveList) int64 {
	var n int64
	for _, d := range ds {
		n += nodeBytes + argumentsSize(d.Arguments)
	}
	return n
}

func argumentsSize(args ast.ArgumentList) int64 {
	var n int64
	for _, a := range args {
		n += nodeBytes + valueSize(a.Value)
	}
	return n
}

func valueSize(v *ast.Value) int64 {
	if v == nil {
		return 0
	}
	n := int64(valueBytes)
	for _, c := range v.Children {
		n += valueSize(c.Value)
	}
	return n
}
