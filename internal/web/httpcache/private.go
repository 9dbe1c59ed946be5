package httpcache

import (
	"context"
	"sync/atomic"
)

// An answer can be private whoever asks: a preview of an unpublished
// article is for the holder of its link alone. The resolver that produces
// one marks the request (MarkPrivate); the transport then sends
// Cache-Control: private, no-store and keeps the answer out of the
// response cache.

type privateKey struct{}

// WithPrivate returns ctx in which MarkPrivate can mark the answer, and a
// function that reports whether it was marked.
func WithPrivate(ctx context.Context) (context.Context, func() bool) {
	flag := &atomic.Bool{}
	return context.WithValue(ctx, privateKey{}, flag), flag.Load
}

// MarkPrivate marks the answer of the request in ctx as never to be
// cached or shared.
func MarkPrivate(ctx context.Context) {
	if flag, ok := ctx.Value(privateKey{}).(*atomic.Bool); ok {
		flag.Store(true)
	}
}
