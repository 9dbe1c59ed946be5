package guard

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/broadsheet/broadsheet/graph"
	"github.com/broadsheet/broadsheet/internal/testkit/hostile"
)

// fanOut is the fan-out document these tests measure: 2^n copies of the
// last fragment when expanded.
func fanOut(n int) string { return hostile.FanOut(n, "Article", "id", "title authors { name }") }

// wide is an ordinary document of n aliased fields.
func wide(n int) string {
	var b strings.Builder
	b.WriteString("query { articles(first: 1) { nodes { ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: title ", i)
	}
	b.WriteString("} } }")
	return b.String()
}

var schema = graph.NewExecutableSchema(graph.Config{Complexity: Complexity()})

// operation parses and validates query as the server does.
func operation(t testing.TB, query string) *graphql.OperationContext {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		t.Fatal(err)
	}
	if errs := validator.ValidateWithRules(schema.Schema(), doc, rules.NewDefaultRules()); len(errs) > 0 {
		t.Fatal(errs)
	}
	return &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
}

func guards(t testing.TB) []graphql.OperationContextMutator {
	c := &ComplexityLimit{Max: 5000}
	if err := c.Validate(schema); err != nil {
		t.Fatal(err)
	}
	return []graphql.OperationContextMutator{DepthLimit{Max: 12}, c, PageSizes{}, NoIntrospection{}}
}

func runGuards(ctx context.Context, t testing.TB, op *graphql.OperationContext) *gqlerror.Error {
	for _, g := range guards(t) {
		if err := g.MutateOperationContext(ctx, op); err != nil {
			return err
		}
	}
	return nil
}

// A fan-out document of any depth is priced by its fragments, each once:
// it is refused as too complex, with the saturated cost, and the depth and
// page-size guards pass it (it is shallow and pages are in range).
func TestFanOutIsRefusedAsTooComplex(t *testing.T) {
	for _, n := range []int{20, 30, 60, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			op := operation(t, fanOut(n))
			err := runGuards(context.Background(), t, op)
			if err == nil || err.Extensions["code"] != CodeComplexityLimit {
				t.Fatalf("guards = %v, want %s", err, CodeComplexityLimit)
			}
		})
	}
	// Below the budget the cost is exact: articles(first: 1) costs
	// 1 + 1·(nodes: 1 + 2^n·leaf + ids), as gqlgen's walk counts it.
	op := operation(t, fanOut(3))
	m := costMeter{ctx: context.Background(), t: ticker{ctx: context.Background()}, es: schema, schema: schema.Schema(), vars: map[string]any{}, frags: map[string]int{}}
	// leaf F3: title 1 + authors (2·name 1 + 1) = 4; Fi = 1 + 2·F(i+1):
	// F2 = 9, F1 = 19, F0 = 39; nodes = 40; connection = 1·40 + 1 = 41.
	if got := m.cost(op.Operation.SelectionSet); got != 41 {
		t.Errorf("cost of fanOut(3) = %d, want 41", got)
	}
}

// The depth of a fragment spread twice at every level is measured once
// per fragment, and still found.
func TestDepthOfNestedFanOut(t *testing.T) {
	var b strings.Builder
	b.WriteString("query { articles(first: 1) { nodes { ...F0 } } }\n")
	const n = 40
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Article { authors { articles(first: 1) { nodes { ...F%d } } } x: authors { articles(first: 1) { nodes { ...F%d } } } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Article { title }\n", n)
	op := operation(t, b.String())
	err := DepthLimit{Max: 12}.MutateOperationContext(context.Background(), op)
	if err == nil || err.Extensions["code"] != CodeDepthLimit {
		t.Fatalf("depth guard = %v, want %s", err, CodeDepthLimit)
	}
	m := depthMeter{t: ticker{ctx: context.Background()}, frags: map[string]int{}}
	if got, want := m.depth(op.Operation.SelectionSet), 2+3*n+1; got != want {
		t.Errorf("depth = %d, want %d", got, want)
	}
}

// A guard asked to run for a request that is already over does no work
// and says why.
func TestGuardsStopWithTheRequest(t *testing.T) {
	op := operation(t, wide(10))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for _, g := range guards(t) {
		err := g.MutateOperationContext(ctx, op)
		if err == nil || err.Extensions["code"] != CodeTimeout {
			t.Errorf("%T after the deadline = %v, want %s", g, err, CodeTimeout)
		}
	}
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := runGuards(ctx, t, op); err == nil {
		t.Error("guards ran for a cancelled request")
	}
}

// BenchmarkGuards times the guards (depth, complexity, page sizes,
// introspection) on fan-out documents of growing depth, which must stay
// flat, and on plain documents of growing size, which grow linearly.
func BenchmarkGuards(b *testing.B) {
	docs := []struct {
		name  string
		query string
	}{}
	for _, n := range []int{10, 20, 30, 60} {
		docs = append(docs, struct{ name, query string }{fmt.Sprintf("fanout-depth=%d", n), fanOut(n)})
	}
	for _, n := range []int{100, 400, 1600} {
		docs = append(docs, struct{ name, query string }{fmt.Sprintf("fields=%d", n), wide(n)})
	}
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) {
			op := operation(b, d.query)
			gs := guards(b)
			ctx := context.Background()
			b.SetBytes(int64(len(d.query)))
			b.ResetTimer()
			for b.Loop() {
				for _, g := range gs {
					if g.MutateOperationContext(ctx, op) != nil {
						break
					}
				}
			}
		})
	}
}

// BenchmarkValidateFanOut times gqlparser's validation (which gqlgen runs
// before the guards, outside the request's context) on the same fan-out
// documents: its walker visits each fragment once, so it is flat too.
func BenchmarkValidateFanOut(b *testing.B) {
	for _, n := range []int{10, 30, 60} {
		b.Run(fmt.Sprintf("depth=%d", n), func(b *testing.B) {
			q := fanOut(n)
			for b.Loop() {
				doc, err := parser.ParseQuery(&ast.Source{Input: q})
				if err != nil {
					b.Fatal(err)
				}
				if errs := validator.ValidateWithRules(schema.Schema(), doc, rules.NewDefaultRules()); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}

// The fragment walk counts what validation would visit: a chain of
// fragments each spreading the next costs quadratically, a tree of
// fragments (as Relay compiles them) about its size times its depth.
func TestFragmentWalk(t *testing.T) {
	chain := func(n int) string {
		var b strings.Builder
		b.WriteString("query { ...F0 }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n)
		return b.String()
	}
	tree := func(n int) string { // F(i) spreads F(2i+1) and F(2i+2)
		var b strings.Builder
		b.WriteString("query { ...F0 }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Query { __typename", i)
			for _, j := range []int{2*i + 1, 2*i + 2} {
				if j < n {
					fmt.Fprintf(&b, " ...F%d", j)
				}
			}
			b.WriteString(" }\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		query   string
		refused bool
	}{
		{"chain of 60", chain(60), false},
		{"chain of 400", chain(400), true},
		{"tree of 500", tree(500), false},
		{"cycle", "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := FragmentWalk{Max: DefaultMaxFragmentWalk, TokenLimit: 5000}.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: tc.query})
			if refused := err != nil; refused != tc.refused {
				t.Errorf("refused = %v (%v), want %v", refused, err, tc.refused)
			}
			if err != nil && err.Extensions["code"] != CodeComplexityLimit {
				t.Errorf("code %v, want %s", err.Extensions["code"], CodeComplexityLimit)
			}
		})
	}
}

// The pair count is what the overlapping-fields rule compares: fields
// sharing a response key in one selection set, merged through inline
// fragments, fragment spreads and the selections of same-named fields.
func TestFieldPairs(t *testing.T) {
	spreads := func(n, m int) string { // n fragments of m titles on one node
		var b strings.Builder
		b.WriteString("{ articles(first: 1) { nodes { ")
		for i := range n {
			fmt.Fprintf(&b, "...F%d ", i)
		}
		b.WriteString("} } }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment F%d on Article { %s }\n", i, strings.Repeat("title ", m))
		}
		return b.String()
	}
	relay := func(n int) string {
		var b strings.Builder
		b.WriteString("{ articles(first: 5) { edges { node { id __typename ")
		for i := range n {
			fmt.Fprintf(&b, "...A%d ", i)
		}
		b.WriteString("} } } }\n")
		for i := range n {
			fmt.Fprintf(&b, "fragment A%d on Article { id __typename title authors { id __typename name } }\n", i)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name    string
		query   string
		pairs   int // -1: only refused
		refused bool
	}{
		{"distinct aliases", wide(1600), 0, false},
		{"one field 141 times", hostile.Repeated(141, "title"), 141 * 140 / 2, false},
		{"one field 142 times", hostile.Repeated(142, "title"), 142 * 141 / 2, true},
		{"one field 4900 times", hostile.Repeated(4900, "title"), 4900 * 4899 / 2, true},
		{"one alias on two fields 1600 times", hostile.Repeated(1600, "t: slug", "t: title"), 1600 * 1599 / 2, true},
		{"inline fragments merge", "{ articles(first: 1) { nodes { title ... on Article { title ... { title } } } } }", 3, false},
		// 40 copies of 40 names under one alias: 1,600 names merged.
		{"same-named fields' selections merge", hostile.Repeated(40, "a: authors { "+strings.Repeat("name ", 40)+"}"), 40*39/2 + 1600*1599/2, true},
		{"fragments merge", spreads(40, 40), 1600*1599/2 + 40*(40*39/2), true},
		{"a Relay-like tree of fragments", relay(20), -1, false},
		{"fan-out chain saturates", fanOut(400), -1, true},
		{"cycle", "query { ...A } fragment A on Query { __typename ...B } fragment B on Query { __typename ...A }", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			if got := fieldPairs(doc); tc.pairs >= 0 && got != tc.pairs {
				t.Errorf("fieldPairs = %d, want %d", got, tc.pairs)
			}
			gErr := FragmentWalk{MaxPairs: DefaultMaxFieldPairs, TokenLimit: 20_000}.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: tc.query})
			if refused := gErr != nil; refused != tc.refused {
				t.Errorf("refused = %v (%v), want %v", refused, gErr, tc.refused)
			}
			if gErr != nil && (gErr.Extensions["code"] != CodeComplexityLimit || !strings.Contains(gErr.Message, "repeat too often")) {
				t.Errorf("error %q %v, want %s saying the fields repeat", gErr.Message, gErr.Extensions["code"], CodeComplexityLimit)
			}
		})
	}
}

// BenchmarkValidateFieldPairs times gqlparser's validation of documents
// at DefaultMaxFieldPairs (one field 141 times: 9,870 pairs; the same with
// two fields under one alias, half the pairs conflicting) and, past it,
// the pair count that refuses the F1 and F2 documents before validation.
func BenchmarkValidateFieldPairs(b *testing.B) {
	for _, d := range []struct {
		name  string
		query string
	}{
		{"validate/same-field=141", hostile.Repeated(141, "title")},
		{"validate/conflicting=141", hostile.Repeated(141, "t: slug", "t: title")},
	} {
		b.Run(d.name, func(b *testing.B) {
			for b.Loop() {
				doc, err := parser.ParseQuery(&ast.Source{Input: d.query})
				if err != nil {
					b.Fatal(err)
				}
				validator.ValidateWithRules(schema.Schema(), doc, rules.NewDefaultRules())
			}
		})
	}
	for _, d := range []struct {
		name  string
		query string
	}{
		{"refuse/same-field=4900", hostile.Repeated(4900, "title")},
		{"refuse/conflicting=1600", hostile.Repeated(1600, "t: slug", "t: title")},
		{"allow/fragment", hostile.Repeated(1, "id ...A") + "\nfragment A on Article { id __typename title authors { id __typename name } }"},
	} {
		b.Run(d.name, func(b *testing.B) {
			fw := FragmentWalk{Max: DefaultMaxFragmentWalk, MaxPairs: DefaultMaxFieldPairs, TokenLimit: 5000}
			b.SetBytes(int64(len(d.query)))
			for b.Loop() {
				fw.MutateOperationParameters(context.Background(), &graphql.RawParams{Query: d.query})
			}
		})
	}
}
