package guard

import (
	"context"
	"errors"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// CodeTimeout is the code of a request that ran out of its deadline
// (extensions.code), whether in a guard or in a resolver.
const CodeTimeout = string(apperr.Timeout)

// checkEvery is how many selections a walk visits between looks at the
// request's context: often enough to stop within microseconds, rarely
// enough to cost nothing.
const checkEvery = 256

// ticker lets a document walk stop when the request's deadline passes or
// its client goes away. Every walk is linear in the document (fragments
// are measured once), so this is a second line, not the defence.
type ticker struct {
	ctx context.Context
	n   int
	err error
}

// tick counts one visited selection and reports whether the walk must stop.
func (t *ticker) tick() bool {
	if t.err != nil {
		return true
	}
	t.n++
	if t.n%checkEvery == 0 {
		t.err = t.ctx.Err()
	}
	return t.err != nil
}

// Stopped returns the error a guard answers with when ctx has ended
// (nil while it is live), so guards do no work for a request that is over.
func Stopped(ctx context.Context) *gqlerror.Error {
	return stoppedErr(ctx.Err())
}

func stoppedErr(err error) *gqlerror.Error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return &gqlerror.Error{
			Message:    "the request took too long",
			Extensions: map[string]any{"code": CodeTimeout},
		}
	}
	return &gqlerror.Error{
		Message:    "the request was cancelled",
		Extensions: map[string]any{"code": string(apperr.Unavailable)},
	}
}
