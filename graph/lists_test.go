package graph

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// loadQuery parses and validates query against the schema.
func loadQuery(t *testing.T, query string) *ast.QueryDocument {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(NewExecutableSchema(Config{}).Schema(), query)
	if errs != nil {
		t.Fatalf("invalid query %s: %v", query, errs)
	}
	return doc
}

// listSelection validates query against the schema and returns the
// selection of the field at path (response names from the operation's
// root; "..." steps into the first inline fragment there).
func listSelection(t *testing.T, query string, path ...string) ast.SelectionSet {
	t.Helper()
	return selectionAt(t, loadQuery(t, query), path...)
}

func selectionAt(t *testing.T, doc *ast.QueryDocument, path ...string) ast.SelectionSet {
	t.Helper()
	sel := doc.Operations[0].SelectionSet
	for _, name := range path {
		var next ast.SelectionSet
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if s.Alias == name {
					next = s.SelectionSet
				}
			case *ast.InlineFragment:
				if name == "..." {
					next = s.SelectionSet
				}
			}
		}
		if next == nil {
			t.Fatalf("no %q in the query", name)
		}
		sel = next
	}
	return sel
}

func TestReachesWaiting(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		path  []string
		want  bool
	}{
		{"homepage: fields, byline, section and tags", `{ articles(first: 20) { nodes { id title slug excerpt publishedAt authors { name slug } category { name slug } tags { name slug } } } }`,
			[]string{"articles", "nodes"}, false},
		{"a byline's fields", `{ articles(first: 20) { nodes { authors { name slug jobTitle avatarUrl } } } }`,
			[]string{"articles", "nodes", "authors"}, false},
		{"section front edges: cursor and primed node", `{ category(slug: "x") { articles(first: 20) { edges { cursor node { title authors { name } } } } } }`,
			[]string{"category", "articles", "edges"}, false},
		{"__typename", `{ articles(first: 2) { nodes { __typename title } } }`, []string{"articles", "nodes"}, false},
		{"a resolver field", `{ articles(first: 20) { nodes { title related(first: 3) { title } } } }`,
			[]string{"articles", "nodes"}, true},
		{"a method with a context (url)", `{ articles(first: 20) { nodes { title url } } }`, []string{"articles", "nodes"}, true},
		{"a waiting field deep down", `{ articles(first: 20) { nodes { tags { name path } } } }`, []string{"articles", "nodes"}, true},
		{"an author's article page", `{ articles(first: 20) { nodes { authors { articles(first: 2) { totalCount } } } } }`,
			[]string{"articles", "nodes"}, true},
		{"in a named fragment", `query { articles(first: 20) { nodes { ...F } } } fragment F on Article { title bodyHtml }`,
			[]string{"articles", "nodes"}, true},
		{"a named fragment of plain fields", `query { articles(first: 20) { nodes { ...F } } } fragment F on Article { title slug }`,
			[]string{"articles", "nodes"}, false},
		{"an inline fragment", `{ nodes(ids: ["a"]) { ... on Article { title translations { title } } } }`, []string{"nodes"}, true},
		{"an inline fragment of plain fields", `{ nodes(ids: ["a"]) { ... on Article { title slug } } }`, []string{"nodes"}, false},
		{"an interface's field every type reads in line", `{ nodes(ids: ["a"]) { id } }`, []string{"nodes"}, false},
		{"a union's members", `{ article(slug: "x") { blocks { __typename ... on ReadAlsoBlock { article { title } } } } }`,
			[]string{"article", "blocks"}, true},
		{"a union's members read in line", `{ article(slug: "x") { blocks { __typename ... on ParagraphBlock { text } } } }`,
			[]string{"article", "blocks"}, false},
		// A candidate's article is completed in a batch with its siblings'.
		{"articles reached in line from an item", `{ article(slug: "x") { relatedCandidates { score article { title authors { name } } } } }`,
			[]string{"article", "relatedCandidates"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reachesWaiting(listSelection(t, tc.query, tc.path...)); got != tc.want {
				t.Errorf("reachesWaiting = %v, want %v", got, tc.want)
			}
		})
	}
}

// listContext is what gqlgen gives a list field's marshaller: a response
// context that collects errors, and the list field's own field context.
func listContext(t *testing.T) context.Context {
	t.Helper()
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(context.Context, any) error { return errors.New("item panicked") })
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "nodes"}}})
}

func TestMarshalListInLine(t *testing.T) {
	sel := listSelection(t, `{ articles(first: 20) { nodes { title slug } } }`, "articles", "nodes")
	ctx := listContext(t)
	var order []int
	var running atomic.Int32
	out := marshalList(ctx, sel, 4, 16, false, func(ctx context.Context, i int) graphql.Marshaler {
		// The items run one after the other: none starts while another runs
		// (nor would the unlocked append pass the race detector).
		if running.Add(1) != 1 {
			t.Errorf("item %d started while another ran", i)
		}
		defer running.Add(-1)
		time.Sleep(time.Millisecond)
		order = append(order, i)
		fc := graphql.GetFieldContext(ctx)
		if fc.Index == nil || *fc.Index != i {
			t.Errorf("item %d: field context index %v", i, fc.Index)
		}
		if got := graphql.GetPath(ctx).String(); got != "nodes["+string(rune('0'+i))+"]" {
			t.Errorf("item %d: path %q", i, got)
		}
		if i == 2 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	if !slices.Equal(order, []int{0, 1, 2, 3}) {
		t.Fatalf("items ran in order %v, want 0 1 2 3", order)
	}
	if out[2] != graphql.Null || out[3] == graphql.Null {
		t.Errorf("a panicking item is null and the others are not: %v", out)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Message != "item panicked" || errs[0].Path.String() != "nodes[2]" {
		t.Errorf("errors %v, want one, on nodes[2]", errs)
	}
}

func TestMarshalListWaitingItemsTogether(t *testing.T) {
	sel := listSelection(t, `{ articles(first: 20) { nodes { title related { title } } } }`, "articles", "nodes")
	const n = 4
	var started atomic.Int32
	var all sync.WaitGroup
	all.Add(n)
	out := marshalList(listContext(t), sel, n, 16, false, func(ctx context.Context, i int) graphql.Marshaler {
		// Each item waits for every other to start, as loader batches do:
		// marshalled one after the other, the first would wait in vain.
		started.Add(1)
		all.Done()
		done := make(chan struct{})
		go func() { all.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("item %d waited alone: the items of a waiting list were not marshalled together", i)
		}
		return graphql.MarshalInt(i)
	})
	if started.Load() != n || len(out) != n {
		t.Fatalf("%d items started, %d marshalled; want %d", started.Load(), len(out), n)
	}
}

// TestGeneratedCodeAsGoGenerateWritesIt keeps generated.go as go generate
// ./graph writes it: gqlgen run on its own (go run
// github.com/99designs/gqlgen) would leave every list on a goroutine per
// item, every object computing its path for @defer, fields under @defer
// answered null (the transports send one response), and waits_gen.go
// behind the schema.
func TestGeneratedCodeAsGoGenerateWritesIt(t *testing.T) {
	src, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ gqlgens, ours string }{
		{"graphql.MarshalSliceConcurrently(", "marshalList(ctx, sel, len(v), "},
		{"graphql.NewDeferredGroup(", "deferred := graphql.DeferredGroup{Context: ctx}"},
		{"var buf bytes.Buffer", "buf := answerBuffer(ctx)"},
		{"\treturn out\n", "return objectAnswer(fields, out, len(deferred.Defers) > 0)"},
		{"graphql.CollectFields(ec.OperationContext, sel, ", "fields := ec.collected.of(ec.OperationContext, sel, "},
		// A plain scalar field (execgen's plainFields).
		{"return ec.fieldContext_Article_title(ctx, field)\n\t\t},\n\t\tfunc(ctx context.Context) (any, error) {\n\t\t\treturn obj.Title, nil",
			"return model.StringAt(&obj.Title)\n}"},
	} {
		if n := bytes.Count(src, []byte(c.gqlgens)); n > 0 {
			t.Errorf("generated.go calls %s %d times: regenerate with go generate ./graph", c.gqlgens, n)
		}
		if !bytes.Contains(src, []byte(c.ours)) {
			t.Errorf("generated.go never calls %s: regenerate with go generate ./graph", c.ours)
		}
	}
	if sets, inline := bytes.Count(src, []byte("out := graphql.NewFieldSet(fields)\n")),
		bytes.Count(src, []byte("fields = inLine(fields)\n\tout := graphql.NewFieldSet(fields)\n")); inline == 0 || inline != sets {
		t.Errorf("generated.go passes %d of %d objects' fields through inLine: regenerate with go generate ./graph", inline, sets)
	}
	schema := NewExecutableSchema(Config{}).Schema()
	for k := range waitingFields {
		if def := schema.Types[k.typ]; def == nil || def.Fields.ForName(k.field) == nil {
			t.Errorf("waits_gen.go lists %s.%s, which the schema does not have: regenerate with go generate ./graph", k.typ, k.field)
		}
	}
}

// TestInLine: fields deferred with @defer are marked to resolve in line
// with the others (gqlgen then schedules them on the object's own field
// set), without changing the request's collection they came from; a
// collection without @defer is handed back as it is, not copied.
func TestInLine(t *testing.T) {
	for _, tc := range []struct {
		name     string
		query    string
		deferred bool
	}{
		{"no @defer", `{ articles(first: 2) { nodes { title url } } }`, false},
		{"a deferred fragment", `{ articles(first: 2) { nodes { title ... @defer(label: "later") { url bodyHtml } } } }`, true},
		{"a deferred fragment first", `{ articles(first: 2) { nodes { ... @defer { url } title } } }`, true},
		{"@defer(if: false)", `{ articles(first: 2) { nodes { title ... @defer(if: false) { url } } } }`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadQuery(t, tc.query)
			oc := &graphql.OperationContext{Doc: doc, Variables: map[string]any{}}
			fields := graphql.CollectFields(oc, selectionAt(t, doc, "articles", "nodes"), []string{"Article", "Node"})
			wasDeferred := slices.ContainsFunc(fields, graphql.CollectedField.IsDeferred)
			if wasDeferred != tc.deferred {
				t.Fatalf("fixture: deferred fields %v, want %v", wasDeferred, tc.deferred)
			}
			got := inLine(fields)
			if len(got) != len(fields) {
				t.Fatalf("%d fields, want %d", len(got), len(fields))
			}
			for i, f := range got {
				if f.IsDeferred() {
					t.Errorf("field %s still deferred", f.Name)
				}
				if f.Name != fields[i].Name || f.Alias != fields[i].Alias {
					t.Errorf("field %d is %s, want %s", i, f.Name, fields[i].Name)
				}
			}
			if slices.ContainsFunc(fields, graphql.CollectedField.IsDeferred) != tc.deferred {
				t.Error("the request's collection was changed")
			}
			if !tc.deferred && &got[0] != &fields[0] {
				t.Error("a collection without @defer was copied")
			}
		})
	}
}
