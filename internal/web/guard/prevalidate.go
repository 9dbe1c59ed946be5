package guard

import (
	"context"
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
type FragmentWalk struct {
	// Max is the most selections validation may visit through fragments.
	Max int
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
	if f.Max <= 0 || !strings.Contains(p.Query, "fragment") {
		return nil
	}
	if f.Known != nil && f.Known(ctx, p.Query) {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, f.TokenLimit)
	if err != nil {
		return nil // gqlgen parses it again and reports the error
	}
	if fragmentWalk(doc, f.Max) > f.Max {
		return &gqlerror.Error{
			Message:    "the document's fragments spread one another too many times",
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
