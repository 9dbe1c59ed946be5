// Package ratelimit keeps a token bucket per API token and per client
// address (golang.org/x/time/rate) and refuses requests over their rate
// with HTTP 429 and Retry-After.
package ratelimit

import (
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Limit is a sustained rate and a burst; a zero Rate turns limiting off.
type Limit struct {
	Rate  float64 // requests per second
	Burst int
}

// Options configure the limiter.
type Options struct {
	// PerToken limits each API token (requests with an Authorization header).
	PerToken Limit
	// PerAddress limits each client address (requests without one).
	PerAddress Limit
	// ClientIPHeader, when set, names the header that carries the client's
	// address (e.g. X-Forwarded-For from a trusted CDN); the last address
	// in it is used. Otherwise the connection's remote address is.
	ClientIPHeader string
	// MaxKeys bounds the buckets kept (least recently used go first).
	MaxKeys int
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Limiter holds the buckets.
type Limiter struct {
	opts   Options
	tokens *lru.Cache[string, *rate.Limiter]
	addrs  *lru.Cache[string, *rate.Limiter]
	mu     sync.Mutex // serialises bucket creation
}

// New returns a limiter.
func New(opts Options) *Limiter {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 100_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Limiter{opts: opts}
	l.tokens, _ = lru.New[string, *rate.Limiter](opts.MaxKeys)
	l.addrs, _ = lru.New[string, *rate.Limiter](opts.MaxKeys)
	return l
}

// Decision is the verdict on one request.
type Decision struct {
	Allowed bool
	// RetryAfter is when the client may try again (whole seconds, at least 1).
	RetryAfter time.Duration
	// Key says which bucket refused: "token" or "address".
	Key string
}

// Allow takes a token from the request's bucket: its API token's when it
// sends credentials, its address's otherwise. A request with credentials is
// also refused while its address's bucket is empty, so that a flood of
// made-up tokens (each with a fresh bucket) is stopped by the address limit;
// failed authentications count against the address (see Penalise).
func (l *Limiter) Allow(r *http.Request) Decision {
	return l.AllowFor(l.ClientAddress(r), r.Header.Get("Authorization"))
}

// AllowFor is Allow for an operation that is not an HTTP request of its
// own (one sent over a websocket): the client's address and the credential
// the connection uses ("" for none) pick the buckets.
func (l *Limiter) AllowFor(addr, cred string) Decision {
	now := l.opts.Now()
	if cred != "" {
		if b := l.bucket(l.addrs, addr, l.opts.PerAddress); b != nil && b.TokensAt(now) < 1 {
			return refuse(b, now, "address")
		}
		sum := sha256.Sum256([]byte(cred)) // never keep credentials in memory as keys
		return take(l.bucket(l.tokens, string(sum[:16]), l.opts.PerToken), now, "token")
	}
	return take(l.bucket(l.addrs, addr, l.opts.PerAddress), now, "address")
}

// Penalise charges the request's address for a failed authentication.
func (l *Limiter) Penalise(r *http.Request) {
	if b := l.bucket(l.addrs, l.ClientAddress(r), l.opts.PerAddress); b != nil {
		b.AllowN(l.opts.Now(), 1)
	}
}

func (l *Limiter) bucket(c *lru.Cache[string, *rate.Limiter], key string, lim Limit) *rate.Limiter {
	if lim.Rate <= 0 {
		return nil
	}
	if b, ok := c.Get(key); ok {
		return b
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := c.Get(key); ok {
		return b
	}
	burst := lim.Burst
	if burst < 1 {
		burst = int(math.Ceil(lim.Rate))
	}
	b := rate.NewLimiter(rate.Limit(lim.Rate), burst)
	c.Add(key, b)
	return b
}

func take(b *rate.Limiter, now time.Time, key string) Decision {
	if b == nil || b.AllowN(now, 1) {
		return Decision{Allowed: true}
	}
	return refuse(b, now, key)
}

func refuse(b *rate.Limiter, now time.Time, key string) Decision {
	// Time until one token is back.
	wait := time.Duration((1 - b.TokensAt(now)) / float64(b.Limit()) * float64(time.Second))
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return Decision{RetryAfter: time.Duration(secs) * time.Second, Key: key}
}

// ClientAddress returns the address a request is limited by.
func (l *Limiter) ClientAddress(r *http.Request) string {
	if l.opts.ClientIPHeader != "" {
		if v := r.Header.Values(l.opts.ClientIPHeader); len(v) > 0 {
			last := v[len(v)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
