package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// One request policy on every transport. A POST or GET is one operation
// and meets the policy in the HTTP middleware: body limit, rate limit,
// authentication, deadline. An SSE stream is one POST too. A websocket
// carries many operations over one upgrade request, so each of its
// operations is also counted against the client's bucket and has its
// token checked again (operationPolicy), every query and mutation has the
// request deadline whatever carried it, and an open websocket or SSE
// stream has its token re-checked every CredentialCheck: a revoked or
// expired token ends it (websocket close 4403; an error event on SSE).

// DefaultCredentialCheck is how often open websockets and SSE streams have
// their token checked again.
const DefaultCredentialCheck = 2 * time.Second

// liveClient is one websocket or SSE stream: who it is, for the rate limit
// and token checks of its operations.
type liveClient struct {
	addr      string // the client address the rate limiter uses
	websocket bool

	mu      sync.Mutex
	authz   string // the Authorization in use: the upgrade's header or connection_init's
	revoke  func() // ends the connection because its token is no longer valid
	timer   *time.Timer
	stopped bool
}

type liveClientKey struct{}

func withLiveClient(ctx context.Context, c *liveClient) context.Context {
	return context.WithValue(ctx, liveClientKey{}, c)
}

func liveClientFrom(ctx context.Context) *liveClient {
	c, _ := ctx.Value(liveClientKey{}).(*liveClient)
	return c
}

func (c *liveClient) credential() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.authz
}

// setCredential records the Authorization a websocket's connection_init
// carried.
func (c *liveClient) setCredential(authz string) {
	c.mu.Lock()
	c.authz = authz
	c.mu.Unlock()
}

// stop ends the periodic check when the connection is over.
func (c *liveClient) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
}

// end closes the connection for its token, once.
func (c *liveClient) end() {
	c.mu.Lock()
	f := c.revoke
	c.revoke = nil
	c.stopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
	if f != nil {
		f()
	}
}

// reauthenticate checks an Authorization value again (the token service
// caches verdicts briefly, so this rarely reaches the database).
func (s *Server) reauthenticate(ctx context.Context, authz string) error {
	if authz == "" || s.cfg.Authenticate == nil {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/graphql", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", authz)
	_, err = s.cfg.Authenticate(req)
	return err
}

// watchCredential checks the connection's token every CredentialCheck
// until the connection ends, and ends it when the token is refused. A
// timer, not a goroutine, waits in between. While the token cannot be
// checked (the database is away) the connection is left alone.
func (s *Server) watchCredential(c *liveClient) {
	every := s.cfg.CredentialCheck
	if every <= 0 || s.cfg.Authenticate == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.timer != nil || c.authz == "" {
		return
	}
	c.timer = time.AfterFunc(every, func() {
		ctx, cancel := context.WithTimeout(context.Background(), every)
		err := s.reauthenticate(ctx, c.credential())
		cancel()
		if apperr.KindOf(err) == apperr.Unauthenticated {
			s.cfg.Logger.Info("closing a live connection: its API token is no longer valid", "err", err)
			c.end()
			return
		}
		c.mu.Lock()
		if !c.stopped {
			c.timer.Reset(every)
		}
		c.mu.Unlock()
	})
}

// operationPolicy applies the request policy to each operation: the rate
// limit and token check of websocket operations (before anything is
// parsed), the request deadline of every query and mutation, and of a
// subscription's setup, and the bound on queries and mutations executing
// at once (Config.MaxConcurrentOperations), whatever their transport.
type operationPolicy struct{ s *Server }

var (
	_ graphql.HandlerExtension          = operationPolicy{}
	_ graphql.OperationParameterMutator = operationPolicy{}
	_ graphql.OperationInterceptor      = operationPolicy{}
)

func (operationPolicy) ExtensionName() string                   { return "OperationPolicy" }
func (operationPolicy) Validate(graphql.ExecutableSchema) error { return nil }

func (p operationPolicy) MutateOperationParameters(ctx context.Context, _ *graphql.RawParams) *gqlerror.Error {
	c := liveClientFrom(ctx)
	if c == nil || !c.websocket {
		return nil // an HTTP request (or SSE stream) met the policy in the middleware
	}
	s := p.s
	authz := c.credential()
	if err := s.reauthenticate(ctx, authz); err != nil {
		if apperr.KindOf(err) == apperr.Unauthenticated {
			c.end()
			return policyError(ctx, string(apperr.Unauthenticated), "the API token is no longer valid: "+err.Error(), nil)
		}
		return policyError(ctx, string(apperr.Unavailable), "cannot check the API token right now", nil)
	}
	if d := s.limiter.AllowFor(c.addr, authz); !d.Allowed {
		s.cfg.Metrics.RateLimited(d.Key)
		secs := int(d.RetryAfter.Seconds())
		return policyError(ctx, codeRateLimited, "too many requests; retry after "+strconv.Itoa(secs)+"s", map[string]any{"retryAfter": secs})
	}
	return nil
}

// policyError is an operation refused by the policy, shaped like the
// middleware's refusals.
func policyError(ctx context.Context, code, msg string, ext map[string]any) *gqlerror.Error {
	e := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
	if id := reqinfo.From(ctx).ID; id != "" {
		e.Extensions["requestId"] = id
	}
	for k, v := range ext {
		e.Extensions[k] = v
	}
	return e
}

func (p operationPolicy) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	timeout := p.s.cfg.RequestTimeout
	opCtx := graphql.GetOperationContext(ctx)
	if opCtx == nil || opCtx.Operation == nil {
		return next(ctx)
	}
	if opCtx.Operation.Operation == ast.Subscription {
		if timeout <= 0 {
			return next(ctx)
		}
		// The subscription lives as long as its client, but its setup (the
		// resolver that checks access and subscribes) has the deadline.
		setup, cancel := context.WithCancel(ctx)
		t := time.AfterFunc(timeout, cancel)
		h := next(setup)
		t.Stop()
		return h
	}
	h := next(ctx)
	// A transport calls the handler until it returns nil: the first call
	// executes the operation, and takes a turn for it; a later one only
	// finds that nothing more is coming (@defer is answered in line).
	first := true
	return func(ctx context.Context) *graphql.Response {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		if turns := p.s.turns; turns != nil && first {
			first = false
			// Executed in turn: the wait counts against the deadline.
			if err := turns.Acquire(ctx, 1); err != nil {
				code, msg := string(apperr.Timeout), "the server is busy: the request's deadline passed before its turn came; retry shortly"
				if ctx.Err() != context.DeadlineExceeded {
					code, msg = string(apperr.Unavailable), "the request was cancelled"
				}
				h = func(context.Context) *graphql.Response { return nil } // answered: nothing more
				return &graphql.Response{Errors: gqlerror.List{policyError(ctx, code, msg, nil)}}
			}
			defer turns.Release(1)
		}
		return h(ctx)
	}
}
