package bytecache

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestCacheStaysWithinItsBytes(t *testing.T) {
	ctx := context.Background()
	c := New[string](64<<10, StringSize)
	big := strings.Repeat("x", 10<<10)
	for i := range 100 {
		c.Add(ctx, fmt.Sprint(i), big)
		if c.Bytes() > c.MaxBytes() {
			t.Fatalf("after %d adds: %d bytes, bound %d", i+1, c.Bytes(), c.MaxBytes())
		}
	}
	if _, ok := c.Get(ctx, "99"); !ok {
		t.Error("the newest entry was evicted")
	}
	if _, ok := c.Get(ctx, "0"); ok {
		t.Error("the oldest entry is still there")
	}
	if want := int64(c.Len()) * StringSize("99", big); c.Bytes() != want {
		t.Errorf("accounted %d bytes for %d entries, want %d", c.Bytes(), c.Len(), want)
	}
	// Replacing an entry charges it once.
	before := c.Bytes()
	c.Add(ctx, "99", big)
	if c.Bytes() != before {
		t.Errorf("re-adding an entry: %d bytes, want %d", c.Bytes(), before)
	}
	// Too large for the cache: not stored, nothing evicted.
	c.Add(ctx, "huge", strings.Repeat("x", 32<<10))
	if _, ok := c.Get(ctx, "huge"); ok || c.Bytes() != before {
		t.Error("a value over a quarter of the bound was stored")
	}
}

func TestDocumentSizeGrowsWithTheTree(t *testing.T) {
	small := `{ a }`
	var b strings.Builder
	b.WriteString("{ ")
	for i := range 100 {
		fmt.Fprintf(&b, "a%d: f(x: [1, 2, {y: 3}]) @d { g } ", i)
	}
	b.WriteString("}")
	sizes := map[string]int64{}
	for _, q := range []string{small, b.String()} {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		sizes[q] = DocumentSize(q, doc)
	}
	// 100 fields, each with an argument of 5 values, a directive and a
	// selection: at least 100 × (4 nodes + 5 values).
	if got, min := sizes[b.String()], int64(100*(4*nodeBytes+5*valueBytes)); got < min {
		t.Errorf("size of 100 fields = %d, want at least %d", got, min)
	}
	if sizes[small] >= sizes[b.String()] {
		t.Error("a small document costs as much as a large one")
	}
}
