// Package ratelimit is Broadsheet's one rate limiter: token buckets
// (golang.org/x/time/rate) kept per key in a bounded cache. Keyed limits
// anything by a key (newsletter sign-ups by client address); Limiter
// decides for HTTP requests, per API token and per client address, when
// to answer 429 and what Retry-After to send.
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

// Keyed keeps one bucket per key, the least recently used going first
// when there are too many.
type Keyed struct {
	lim   Limit
	now   func() time.Time
	cache *lru.Cache[string, *rate.Limiter]
	mu    sync.Mutex // serialises bucket creation
}

// NewKeyed returns buckets of lim for at most maxKeys keys; now replaces
// time.Now when set.
func NewKeyed(lim Limit, maxKeys int, now func() time.Time) *Keyed {
	if now == nil {
		now = time.Now
	}
	k := &Keyed{lim: lim, now: now}
	k.cache, _ = lru.New[string, *rate.Limiter](maxKeys)
	return k
}

// Allow takes a token from key's bucket and reports whether there was one.
func (k *Keyed) Allow(key string) bool {
	b := k.bucket(key)
	return b == nil || b.AllowN(k.now(), 1)
}

// bucket returns key's bucket, nil when the limit is off.
func (k *Keyed) bucket(key string) *rate.Limiter {
	if k.lim.Rate <= 0 {
		return nil
	}
	if b, ok := k.cache.Get(key); ok {
		return b
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if b, ok := k.cache.Get(key); ok {
		return b
	}
	burst := k.lim.Burst
	if burst < 1 {
		burst = int(math.Ceil(k.lim.Rate))
	}
	b := rate.NewLimiter(rate.Limit(k.lim.Rate), burst)
	k.cache.Add(key, b)
	return b
}

// Limiter holds the buckets of HTTP requests.
type Limiter struct {
	opts   Options
	tokens *Keyed
	addrs  *Keyed
}

// New returns a limiter.
func New(opts Options) *Limiter {
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = 100_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Limiter{opts: opts, tokens: NewKeyed(opts.PerToken, opts.MaxKeys, opts.Now), addrs: NewKeyed(opts.PerAddress, opts.MaxKeys, opts.Now)}
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
		if b := l.addrs.bucket(addr); b != nil && b.TokensAt(now) < 1 {
			return refuse(b, now, "address")
		}
		sum := sha256.Sum256([]byte(cred)) // never keep credentials in memory as keys
		return take(l.tokens.bucket(string(sum[:16])), now, "token")
	}
	return take(l.addrs.bucket(addr), now, "address")
}

// Penalise charges the request's address for a failed authentication.
func (l *Limiter) Penalise(r *http.Request) {
	if b := l.addrs.bucket(l.ClientAddress(r)); b != nil {
		b.AllowN(l.opts.Now(), 1)
	}
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
