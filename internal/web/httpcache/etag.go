package httpcache

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/zeebo/xxh3"
)

// ETag returns a strong entity tag for body: its 128-bit XXH3, the same
// in every replica. An entity tag only tells a client's copy from the
// current answer, which a hash made for that does as well as a
// cryptographic one, and SHA-256 of each answer was 2% of an uncached
// article page's CPU (issue 18; BenchmarkETag).
func ETag(body []byte) string {
	sum := xxh3.Hash128(body).Bytes()
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
}

// NotModified reports whether an If-None-Match header matches etag (weak
// comparison, as RFC 9110 requires for If-None-Match).
func NotModified(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" || etag == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(ifNoneMatch, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}

// Policy says how long shared caches may keep readers' answers.
type Policy struct {
	// MaxAge is how long a CDN or browser may serve an answer unasked.
	MaxAge time.Duration
	// StaleWhileRevalidate is how long after that it may serve the old
	// answer while it fetches a new one.
	StaleWhileRevalidate time.Duration
}

// LivePolicy applies to answers showing a live blog's first page, counts
// or highlights: they change with every post, and the response cache is
// purged by key at each one; shared caches keep them a few seconds.
var LivePolicy = Policy{MaxAge: 5 * time.Second, StaleWhileRevalidate: 5 * time.Second}

// ArchivePolicy applies to older pages of a live blog (entries after a
// cursor): new posts never change them.
var ArchivePolicy = Policy{MaxAge: time.Hour, StaleWhileRevalidate: 24 * time.Hour}

// Cache-Control values.
const (
	NoStore        = "no-store"
	PrivateNoStore = "private, no-store"
)

// Until is the Cache-Control of a public answer that must not be served
// from until on (it shows an article taken down then): max-age is capped
// at the time left and there is no stale-while-revalidate.
func (p Policy) Until(until time.Time) string {
	left := time.Until(until)
	if p.MaxAge < left {
		left = p.MaxAge
	}
	if left < time.Second {
		return NoStore
	}
	return fmt.Sprintf("public, max-age=%d", int(left.Seconds()))
}

// Public returns the Cache-Control value for a cacheable reader's answer.
func (p Policy) Public() string {
	if p.MaxAge <= 0 {
		return "public, no-cache"
	}
	s := fmt.Sprintf("public, max-age=%d", int(p.MaxAge.Seconds()))
	if p.StaleWhileRevalidate > 0 {
		s += fmt.Sprintf(", stale-while-revalidate=%d", int(p.StaleWhileRevalidate.Seconds()))
	}
	return s
}
