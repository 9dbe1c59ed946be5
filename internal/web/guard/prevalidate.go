package guard

import (
	"context"
	"math"
	"math/bits"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// DefaultMaxFragmentWalk bounds FragmentWalk: selections gqlparser's
// validation visits through fragments. Documents that real clients send
// (Relay's included: a tree of fragments) stay far below it; 50,000 visits
// validate in a few tens of milliseconds.
const DefaultMaxFragmentWalk = 50_000

// FragmentWalk refuses, before gqlgen parses and validates a document, one
// whose fragments spread one another so much that validation itself would
// be slow. gqlparser's validator walks every definition separately, each
// through every fragment it reaches (once per fragment), so fragments that
// each spread the next cost time quadratic in their count — some 200 ms
// for the 500 that fit under the token limit — before any guard runs.
// This check parses the document (linear, under the same token limit) and
// adds up, per definition, the sizes of the fragments it reaches.
//
// gqlparser's OverlappingFieldsCanBeMerged rule, too, costs time quadratic
// in the fields that share a response key in one (merged) selection set,
// and reports one error per conflicting pair: FragmentWalk counts those
// pairs as well (fieldPairs), linear in the document.
type FragmentWalk struct {
	// Max is the most selections validation may visit through fragments.
	Max int
	// MaxPairs is the most pairs of same-named fields validation may
	// compare (see DefaultMaxFieldPairs); 0 disables that count.
	MaxPairs int
	// TokenLimit is the parser's token limit (as the server's).
	TokenLimit int
	// Known reports whether a document was already validated (it is in
	// the parsed-document cache), so that it is not parsed again.
	Known func(ctx context.Context, query string) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = FragmentWalk{}

func (FragmentWalk) ExtensionName() string                   { return "FragmentWalk" }
func (FragmentWalk) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters measures the document's fragment graph.
func (f FragmentWalk) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := Stopped(ctx); err != nil {
		return err
	}
	walk := f.Max > 0 && strings.Contains(p.Query, "fragment")
	if !walk && f.MaxPairs <= 0 {
		return nil
	}
	if f.Known != nil && f.Known(ctx, p.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, f.TokenLimit)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	if walk && fragmentWalk(doc, f.Max) > f.Max {
		return &gqlerror.Error{
			Message:    "the document's fragments spread one another too many times",
			Extensions: map[string]any{"code": CodeComplexityLimit},
		}
	}
	if f.MaxPairs > 0 && fieldPairs(doc) > f.MaxPairs {
		return &gqlerror.Error{
			Message:    "the document's fields repeat too often under one name (response key)",
			Extensions: map[string]any{"code": CodeComplexityLimit},
		}
	}
	return nil
}

// fragmentWalk returns the selections a walk of every definition visits
// through the fragments it reaches, each fragment once per definition; it
// stops counting once past limit.
func fragmentWalk(doc *ast.QueryDocument, limit int) int {
	index := map[string]int{}
	for i, fr := range doc.Fragments {
		if _, dup := index[fr.Name]; !dup {
			index[fr.Name] = i
		}
	}
	words := (len(doc.Fragments) + 63) / 64
	sizes := make([]int, len(doc.Fragments))
	direct := make([][]int, len(doc.Fragments))
	for i, fr := range doc.Fragments {
		sizes[i] = 1 + scan(fr.SelectionSet, index, &direct[i])
	}
	// reach[i] is the set of fragments fragment i reaches, memoised;
	// state 1 marks one being computed (a cycle, which validation rejects:
	// its back edge is not followed).
	reach := make([][]uint64, len(doc.Fragments))
	state := make([]uint8, len(doc.Fragments))
	var closure func(i int) []uint64
	closure = func(i int) []uint64 {
		if state[i] == 2 || state[i] == 1 {
			return reach[i]
		}
		state[i] = 1
		set := make([]uint64, words)
		reach[i] = set
		for _, j := range direct[i] {
			set[j/64] |= 1 << (j % 64)
			for w, bitsOf := range closure(j) {
				set[w] |= bitsOf
			}
		}
		state[i] = 2
		return set
	}
	cost := func(set []uint64) int {
		n := 0
		for w, word := range set {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				n += sizes[w*64+b]
				word &^= 1 << b
			}
		}
		return n
	}
	total := 0
	for _, op := range doc.Operations {
		var spreads []int
		scan(op.SelectionSet, index, &spreads)
		set := make([]uint64, words)
		for _, j := range spreads {
			set[j/64] |= 1 << (j % 64)
			for w, bitsOf := range closure(j) {
				set[w] |= bitsOf
			}
		}
		total += cost(set)
	}
	for i := range doc.Fragments {
		if total > limit {
			break
		}
		total += cost(closure(i))
	}
	return total
}

// scan counts the selections of set (not through spreads) and appends the
// fragments it spreads to spreads.
func scan(set ast.SelectionSet, index map[string]int, spreads *[]int) int {
	n := 0
	for _, sel := range set {
		n++
		switch s := sel.(type) {
		case *ast.Field:
			n += scan(s.SelectionSet, index, spreads)
		case *ast.InlineFragment:
			n += scan(s.SelectionSet, index, spreads)
		case *ast.FragmentSpread:
			if j, ok := index[s.Name]; ok {
				*spreads = append(*spreads, j)
			}
		}
	}
	return n
}

// DefaultMaxFieldPairs bounds FragmentWalk's count of the field pairs
// gqlparser's OverlappingFieldsCanBeMerged rule compares: per selection
// set, merged the way the rule merges it (inline fragments, fragment
// spreads and the selections of same-named fields), n·(n−1)/2 for the n
// fields answering to each response key. The rule costs time (and, when
// the fields conflict, one error) per pair. Real clients repeat a name a
// few times (id and __typename in each of a node's fragments): some
// hundreds of pairs. At the bound validation takes about a millisecond.
const DefaultMaxFieldPairs = 10_000

// maxShapeWork bounds the merging of fragments' shapes into the selection
// sets that spread them; documents real clients send merge a few
// thousand nodes.
const maxShapeWork = 200_000

// shape is a selection set merged the way the overlapping-fields rule
// compares it: per response key, the fields answering to it and the
// merged selections under them.
type shape map[string]*shapeNode

type shapeNode struct {
	n   int
	sub shape
}

// satAdd adds without overflowing: fragments spread twice at each level
// of a chain double their counts at each.
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

// pairCounter counts the overlapping-fields pairs of a document, each
// fragment's shape built once and merged where it is spread.
type pairCounter struct {
	doc    *ast.QueryDocument
	index  map[string]int
	shapes []shape
	state  []uint8
	work   int
}

// fieldPairs returns the pairs of same-named fields validation compares in
// doc's definitions, or math.MaxInt when merging its fragments would take
// more than maxShapeWork steps.
func fieldPairs(doc *ast.QueryDocument) int {
	c := &pairCounter{
		doc:    doc,
		index:  map[string]int{},
		shapes: make([]shape, len(doc.Fragments)),
		state:  make([]uint8, len(doc.Fragments)),
	}
	for i, fr := range doc.Fragments {
		if _, dup := c.index[fr.Name]; !dup {
			c.index[fr.Name] = i
		}
	}
	total := 0
	for _, op := range doc.Operations {
		s := shape{}
		c.build(op.SelectionSet, s)
		total = satAdd(total, pairsOf(s))
	}
	for i := range doc.Fragments {
		total = satAdd(total, pairsOf(c.fragment(i)))
	}
	if c.work > maxShapeWork {
		return math.MaxInt
	}
	return total
}

// fragment returns fragment i's shape, memoised; a fragment in a cycle
// (which validation rejects) contributes nothing where it is reached again.
func (c *pairCounter) fragment(i int) shape {
	switch c.state[i] {
	case 1:
		return nil
	case 2:
		return c.shapes[i]
	}
	c.state[i] = 1
	s := shape{}
	c.build(c.doc.Fragments[i].SelectionSet, s)
	c.shapes[i], c.state[i] = s, 2
	return s
}

func (c *pairCounter) build(set ast.SelectionSet, into shape) {
	for _, sel := range set {
		if c.work > maxShapeWork {
			return
		}
		c.work++
		switch s := sel.(type) {
		case *ast.Field:
			key := s.Alias
			if key == "" {
				key = s.Name
			}
			nd := into[key]
			if nd == nil {
				nd = &shapeNode{}
				into[key] = nd
			}
			nd.n = satAdd(nd.n, 1)
			if len(s.SelectionSet) > 0 {
				if nd.sub == nil {
					nd.sub = shape{}
				}
				c.build(s.SelectionSet, nd.sub)
			}
		case *ast.InlineFragment:
			c.build(s.SelectionSet, into)
		case *ast.FragmentSpread:
			if j, ok := c.index[s.Name]; ok {
				c.merge(into, c.fragment(j))
			}
		}
	}
}

func (c *pairCounter) merge(into, from shape) {
	for key, f := range from {
		if c.work > maxShapeWork {
			return
		}
		c.work++
		nd := into[key]
		if nd == nil {
			nd = &shapeNode{}
			into[key] = nd
		}
		nd.n = satAdd(nd.n, f.n)
		if f.sub != nil {
			if nd.sub == nil {
				nd.sub = shape{}
			}
			c.merge(nd.sub, f.sub)
		}
	}
}

// pairsOf sums n·(n−1)/2 over s's keys, at every level.
func pairsOf(s shape) int {
	total := 0
	for _, nd := range s {
		p := math.MaxInt
		if nd.n < 1<<31 {
			p = nd.n * (nd.n - 1) / 2
		}
		total = satAdd(total, p)
		if nd.sub != nil {
			total = satAdd(total, pairsOf(nd.sub))
		}
	}
	return total
}
