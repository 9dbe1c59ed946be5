package respbuf

import (
	"context"
	"testing"
)

func TestTakeLendsOnce(t *testing.T) {
	ctx, release := Lend(context.Background())
	first := Take(ctx)
	first.WriteString(`{"a":1}`)
	if second := Take(ctx); second == first {
		t.Fatal("the lent buffer was handed out twice")
	}
	release()
	// Taken back, it goes out empty.
	ctx2, release2 := Lend(context.Background())
	defer release2()
	if b := Take(ctx2); b.Len() != 0 {
		t.Fatalf("a lent buffer holds %q", b.String())
	}
	if b := Take(context.Background()); b == nil || b.Len() != 0 {
		t.Fatal("without a loan, Take must return a new, empty buffer")
	}
}

func TestHugeBufferNotKept(t *testing.T) {
	ctx, release := Lend(context.Background())
	b := Take(ctx)
	b.Grow(keepAtMost + 1)
	release()
	for range 10 {
		ctx, release := Lend(context.Background())
		if Take(ctx) == b {
			t.Fatal("a buffer larger than keepAtMost went back into the pool")
		}
		release()
	}
}
