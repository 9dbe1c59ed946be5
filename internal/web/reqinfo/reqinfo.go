// Package reqinfo carries what is learnt about one HTTP request while it is
// served — its id, the GraphQL operation, the outcome, the error codes, the
// cache verdict — so that logs and metrics written after the handler
// returns can describe it. The request's own goroutine writes it; readers
// look only after the handler has returned.
package reqinfo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
)

// Outcomes of a GraphQL request.
const (
	OutcomeOK           = "ok"            // data and no errors
	OutcomeFieldErrors  = "field_errors"  // data with errors
	OutcomeRequestError = "request_error" // refused before execution: no data
	OutcomeRejected     = "rejected"      // refused by HTTP middleware (rate limit, body size, auth)
)

// Cache verdicts of the server-side response cache.
const (
	CacheHit    = "hit"
	CacheMiss   = "miss"
	CacheBypass = "bypass" // not cacheable: authenticated, mutation, disabled
)

// Info describes one request.
type Info struct {
	ID string
	// Operation is the GraphQL operation name once the document is valid
	// ("" when anonymous or unknown); OperationType is query or mutation.
	Operation, OperationType string
	Outcome                  string
	Cache                    string
	// Codes are the distinct extensions.code values of the response's
	// errors, at most MaxCodes of them (see AddCode).
	Codes []string
	// Statements is the number of SQL statements the request issued.
	Statements int64
}

// MaxCodes is the most error codes a request records: its access-log
// line and metrics stay small whatever number of errors it had.
const MaxCodes = 5

// AddCode records an error code once, up to MaxCodes codes.
func (i *Info) AddCode(code string) {
	if code == "" || len(i.Codes) >= MaxCodes || slices.Contains(i.Codes, code) {
		return
	}
	i.Codes = append(i.Codes, code)
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's info, or a throwaway one outside a request so
// that callers never need a nil check.
func From(ctx context.Context) *Info {
	if i, ok := ctx.Value(key{}).(*Info); ok {
		return i
	}
	return &Info{}
}

// Present reports whether ctx carries request info.
func Present(ctx context.Context) bool {
	_, ok := ctx.Value(key{}).(*Info)
	return ok
}

// NewID returns a fresh random request id.
func NewID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// CleanID accepts a client's X-Request-Id when it is short and printable,
// and returns a fresh id otherwise, so that logs cannot be forged with it.
func CleanID(id string) string {
	if id == "" || len(id) > 64 {
		return NewID()
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c < 0x21 || c > 0x7e {
			return NewID()
		}
	}
	return id
}
