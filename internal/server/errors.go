package server

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// presentError is the one place that turns errors into what clients see:
// known kinds keep their message and become extensions.code; errors gqlgen
// already classified (parse, validation) keep their code; anything else is
// INTERNAL with the request id, and the detail goes to the log only.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	if gqlErr.Extensions == nil {
		gqlErr.Extensions = map[string]any{}
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		gqlErr.Message = e.Message
		gqlErr.Extensions["code"] = string(e.Kind)
		if e.Field != "" {
			gqlErr.Extensions["field"] = e.Field
		}
		return gqlErr
	}
	if _, has := gqlErr.Extensions["code"]; has {
		return gqlErr
	}
	// gqlgen's transports report undecodable requests as bare errors with
	// no path and no cause; they are the client's fault, not ours.
	if gqlErr.Err == nil && len(gqlErr.Path) == 0 {
		if strings.HasPrefix(gqlErr.Message, "json request body could not be decoded") {
			gqlErr.Message = "the request body is not a valid GraphQL JSON request: " + firstLine(gqlErr.Message)
		}
		gqlErr.Extensions["code"] = "BAD_REQUEST"
		return gqlErr
	}
	id := RequestID(ctx)
	code := apperr.Internal
	msg := "internal error"
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		code, msg = apperr.Unavailable, "the request took too long"
	case errors.Is(err, context.Canceled):
		code, msg = apperr.Unavailable, "the request was cancelled"
	}
	s.cfg.Logger.ErrorContext(ctx, "request failed", "request_id", id, "path", gqlErr.Path.String(), "err", err)
	gqlErr.Message = fmt.Sprintf("%s (request id %s)", msg, id)
	gqlErr.Extensions["code"] = string(code)
	gqlErr.Extensions["requestId"] = id
	return gqlErr
}

// firstLine returns the decoder's complaint without the echoed body.
func firstLine(msg string) string {
	msg = strings.TrimPrefix(msg, "json request body could not be decoded: ")
	if i := strings.Index(msg, " body:"); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// recoverPanic logs a resolver panic and reports it as INTERNAL.
func (s *Server) recoverPanic(ctx context.Context, p any) error {
	s.cfg.Logger.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return fmt.Errorf("panic: %v", p)
}
