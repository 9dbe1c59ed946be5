// Package brokertest finds the Redis and NATS servers the live-updates
// tests use, and offers a loopback TCP proxy to cut and restore a broker
// connection without touching the shared server.
//
// Redis is used when BROADSHEET_TEST_REDIS names a server (default
// redis://127.0.0.1:6379/0) and it answers; NATS (with JetStream) when
// BROADSHEET_TEST_NATS does (default nats://127.0.0.1:4222). When one does
// not, its tests are skipped with a message, unless
// BROADSHEET_TEST_REDIS_REQUIRED=1 / BROADSHEET_TEST_NATS_REQUIRED=1 (as in
// CI), which turns the skip into a failure. Under -short (the fast lane)
// they are always skipped.
package brokertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// Defaults tried when the environment names no server.
const (
	DefaultRedis = "redis://127.0.0.1:6379/0"
	DefaultNATS  = "nats://127.0.0.1:4222"
)

// RedisURL returns the test Redis server's URL, or skips (fails when
// required) when it does not answer.
func RedisURL(t testing.TB) string {
	return server(t, "Redis", "BROADSHEET_TEST_REDIS", DefaultRedis)
}

// NATSURL returns the test NATS server's URL, like RedisURL.
func NATSURL(t testing.TB) string {
	return server(t, "NATS", "BROADSHEET_TEST_NATS", DefaultNATS)
}

func server(t testing.TB, name, env, fallback string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: %s tests run in the full suite only", name)
	}
	raw := os.Getenv(env)
	if raw == "" {
		raw = fallback
	}
	u, err := url.Parse(raw)
	if err == nil {
		var c net.Conn
		c, err = net.DialTimeout("tcp", u.Host, 2*time.Second)
		if err == nil {
			c.Close()
		}
	}
	if err != nil {
		msg := fmt.Sprintf("%s at %s does not answer (%v)", name, raw, err)
		if os.Getenv(env+"_REQUIRED") == "1" {
			t.Fatalf("%s, and %s_REQUIRED=1", msg, env)
		}
		t.Skipf("%s: skipping; set %s to a server URL to run these tests", msg, env)
	}
	return raw
}

// WithTopic adds a topic unique to this test to a broker URL, so tests
// sharing a server do not hear each other.
func WithTopic(t testing.TB, raw string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	topic := "broadsheet.test." + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("topic", topic)
	u.RawQuery = q.Encode()
	t.Cleanup(func() { drop(raw, topic) })
	return u.String()
}

// drop removes what a test left on the broker: the Redis stream, or the
// JetStream stream.
func drop(raw, topic string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	switch {
	case strings.HasPrefix(raw, "redis"):
		o, err := redis.ParseURL(raw)
		if err != nil {
			return
		}
		c := redis.NewClient(o)
		defer c.Close()
		c.Del(ctx, topic)
	case strings.HasPrefix(raw, "nats"):
		nc, err := nats.Connect(raw, nats.Timeout(2*time.Second))
		if err != nil {
			return
		}
		defer nc.Close()
		if js, err := jetstream.New(nc); err == nil {
			js.DeleteStream(ctx, strings.ToUpper(strings.NewReplacer(".", "_").Replace(topic)))
		}
	}
}

// Proxy forwards a loopback port to a broker so a test can cut the
// connection (Cut) and restore it (Restore) while the broker runs on.
type Proxy struct {
	Addr   string // host:port to connect to instead of the target
	target string
	ln     net.Listener
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port), stopped when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// URL returns raw with its host replaced by the proxy's.
func (p *Proxy) URL(t testing.TB, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.Addr
	return u.String()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *Proxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// Cut drops every connection and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore accepts connections again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// Close stops the proxy.
func (p *Proxy) Close() {
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}
