// Package apperr defines Broadsheet's error kinds once. Code anywhere wraps a
// kind with context; the GraphQL error presenter turns the kind into
// extensions.code, so clients can act on errors without parsing messages.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for clients.
type Kind string

// The kinds, named as they appear in extensions.code.
const (
	NotFound        Kind = "NOT_FOUND"
	Invalid         Kind = "BAD_USER_INPUT"
	Conflict        Kind = "CONFLICT"
	Forbidden       Kind = "FORBIDDEN"
	Unauthenticated Kind = "UNAUTHENTICATED"
	Unavailable     Kind = "UNAVAILABLE"
	// Timeout: the request ran out of its deadline (--request-timeout);
	// distinct from Unavailable, which means the database cannot be reached.
	Timeout     Kind = "TIMEOUT"
	RateLimited Kind = "RATE_LIMITED"
	// CursorExpired: a live-blog subscription's `since` cursor is older
	// than the changes the server keeps; the client reloads the page.
	CursorExpired Kind = "CURSOR_EXPIRED"
	Internal      Kind = "INTERNAL"
	// PreviewLinkInvalid: a preview token that is malformed, forged,
	// expired, revoked or for another article (one code for all, so the
	// answer tells an attacker nothing).
	PreviewLinkInvalid Kind = "PREVIEW_LINK_INVALID"
)

// Error is an error of a known kind with a message fit for clients.
type Error struct {
	Kind    Kind
	Message string
	// Field names the input the error is about, when there is one.
	Field string
	// Code refines the kind for editors' forms (TAKEN, CONFLICT, …); empty
	// means the kind's default.
	Code string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, apperr.ErrNotFound) match any error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is checks by kind.
var (
	ErrNotFound        = &Error{Kind: NotFound}
	ErrInvalid         = &Error{Kind: Invalid}
	ErrConflict        = &Error{Kind: Conflict}
	ErrForbidden       = &Error{Kind: Forbidden}
	ErrUnauthenticated = &Error{Kind: Unauthenticated}
	ErrUnavailable     = &Error{Kind: Unavailable}
)

// New returns an error of kind with a client-facing message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns a BAD_USER_INPUT error about field.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, or Internal when it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Takenf returns a CONFLICT error with code TAKEN for a unique field.
func Takenf(field, format string, args ...any) *Error {
	return &Error{Kind: Conflict, Code: "TAKEN", Field: field, Message: fmt.Sprintf(format, args...)}
}

// FieldErrors reports several input problems at once, so a form can show
// each next to its field. It counts as BAD_USER_INPUT.
type FieldErrors []*Error

func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Is makes errors.Is(fe, ErrInvalid) true.
func (fe FieldErrors) Is(target error) bool { return target == ErrInvalid }

// Unwrap exposes the individual errors.
func (fe FieldErrors) Unwrap() []error {
	out := make([]error, len(fe))
	for i, e := range fe {
		out[i] = e
	}
	return out
}

// OrNil returns fe as an error, or nil when it is empty.
func (fe FieldErrors) OrNil() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}
