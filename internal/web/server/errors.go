package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/guard"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
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
	// Every error names its request, so a client's report leads to the log
	// line (the X-Request-Id header says the same).
	id := RequestID(ctx)
	if id != "" {
		gqlErr.Extensions["requestId"] = id
	}
	if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
		gqlErr.Message = e.Message
		gqlErr.Extensions["code"] = string(e.Kind)
		if e.Field != "" {
			gqlErr.Extensions["field"] = e.Field
		}
		return gqlErr
	}
	if code, has := gqlErr.Extensions["code"]; has {
		// The parser's token limit is a guardrail, not a syntax error.
		if code == errcode.ParseFailed && strings.HasPrefix(gqlErr.Message, "exceeded token limit") {
			gqlErr.Extensions["code"] = guard.CodeTokenLimitExceeded
			gqlErr.Message = "the document is too large: it " + gqlErr.Message
		}
		return gqlErr
	}
	// Errors with no path and no cause come from the request's handling
	// (APQ hash mismatch, bad persistedQuery extension): the client's fault.
	if gqlErr.Err == nil && len(gqlErr.Path) == 0 {
		gqlErr.Extensions["code"] = "BAD_REQUEST"
		return gqlErr
	}
	code := apperr.Internal
	msg := "internal error"
	level := slog.LevelError
	switch {
	// Once the deadline has passed, whatever the database said about the
	// statement it cut short (a dropped connection, an interrupted query)
	// is the timeout's doing, not an outage.
	case errors.Is(err, context.DeadlineExceeded), errors.Is(ctx.Err(), context.DeadlineExceeded):
		code, msg, level = apperr.Timeout, "the request took too long", slog.LevelWarn
	case errors.Is(err, context.Canceled):
		code, msg, level = apperr.Unavailable, "the request was cancelled", slog.LevelWarn
	case dbconn.IsUnavailable(err):
		code, msg, level = apperr.Unavailable, "the database is unreachable; try again shortly", slog.LevelWarn
	}
	s.cfg.Logger.Log(ctx, level, "request failed", "request_id", id, "path", gqlErr.Path.String(), "code", string(code), "err", reqinfo.Detail(err))
	gqlErr.Message = fmt.Sprintf("%s (request id %s)", msg, id)
	gqlErr.Extensions["code"] = string(code)
	return gqlErr
}

// recoverPanic logs a resolver panic and reports it as INTERNAL.
func (s *Server) recoverPanic(ctx context.Context, p any) error {
	s.cfg.Logger.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", reqinfo.Detail(fmt.Errorf("%v", p)), "stack", string(debug.Stack()))
	return fmt.Errorf("panic: %v", p)
}

// maxErrors is the most errors an answer carries: a document with
// thousands of faults gets the first ones and a count of the rest, not an
// answer (and a log line) the size of its faults.
const maxErrors = 20

// capErrors cuts a response's errors to the first maxErrors and one saying
// how many more were left out, for every transport.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	more := len(resp.Errors) - maxErrors
	code := "GRAPHQL_VALIDATION_FAILED"
	if c, _ := resp.Errors[0].Extensions["code"].(string); c != "" {
		code = c
	}
	ext := map[string]any{"code": code, "omittedErrors": more}
	if id := RequestID(ctx); id != "" {
		ext["requestId"] = id
	}
	errs := slices.Clip(resp.Errors[:maxErrors])
	resp.Errors = append(errs, &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors left out", more),
		Extensions: ext,
	})
	return resp
}
