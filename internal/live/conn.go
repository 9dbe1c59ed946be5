package live

import (
	"context"
	"sync"
	"sync/atomic"
)

// Close codes the gateway uses on websockets.
const (
	// CloseGoingAway: the server is shutting down (RFC 6455).
	CloseGoingAway = 1001
	// CloseTryAgainLater: the client did not keep up and was dropped.
	CloseTryAgainLater = 1013
)

// Conn is one client connection carrying subscriptions: a websocket, or
// the HTTP request of an SSE stream. The server puts one in each request's
// context; the hub counts subscriptions on it and closes it when a
// subscriber does not keep up.
type Conn struct {
	// Protocol is the websocket subprotocol ("" for SSE).
	Protocol string
	subs     atomic.Int32
	mu       sync.Mutex
	close    func(code int, reason string)
}

type connKey struct{}

// WithConn returns ctx carrying c.
func WithConn(ctx context.Context, c *Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// ConnFrom returns the connection in ctx, or nil.
func ConnFrom(ctx context.Context) *Conn {
	c, _ := ctx.Value(connKey{}).(*Conn)
	return c
}

// SetCloser sets how the connection is closed.
func (c *Conn) SetCloser(f func(code int, reason string)) {
	c.mu.Lock()
	c.close = f
	c.mu.Unlock()
}

// Close closes the connection with a code and reason (websockets) or ends
// the stream (SSE).
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	f := c.close
	c.mu.Unlock()
	if f != nil {
		f(code, reason)
	}
}

// Subscriptions returns how many subscriptions the connection has.
func (c *Conn) Subscriptions() int { return int(c.subs.Load()) }

type deliveryKey struct{}

// WithDelivery returns ctx carrying d (the per-event context of a
// subscription payload, which the server reads to add extensions).
func WithDelivery(ctx context.Context, d *Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryFrom returns the delivery in ctx, if any.
func DeliveryFrom(ctx context.Context) (*Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(*Delivery)
	return d, ok
}
