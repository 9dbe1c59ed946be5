package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// RequestID returns the id of the request in ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	return reqinfo.From(ctx).ID
}

// Error codes of requests refused by the HTTP middleware.
const (
	codeRateLimited     = "RATE_LIMITED"
	codePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	codeBadRequest      = "BAD_REQUEST"
)

// observe gives every GraphQL request an id (the caller's X-Request-Id if
// sane), records it in metrics, and writes one access-log line with the
// operation name, outcome and cost, never credentials or bodies.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqinfo.Info{ID: reqinfo.CleanID(r.Header.Get("X-Request-Id"))}
		w.Header().Set("X-Request-Id", info.ID)
		done := s.cfg.Metrics.Begin()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(reqinfo.With(r.Context(), info)))
		elapsed := time.Since(start)
		done(info, elapsed)
		if s.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
			s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", info.ID),
				slog.String("method", r.Method),
				slog.Int("status", rec.status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.String("operation", info.Operation),
				slog.String("operation_type", info.OperationType),
				slog.String("outcome", info.Outcome),
				slog.String("cache", info.Cache),
				slog.Any("codes", info.Codes),
				slog.Int64("sql_statements", info.Statements),
				slog.Int("bytes", rec.bytes),
			)
		}
	})
}

type recorder struct {
	http.ResponseWriter
	status, bytes int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through: SSE streams need them, and gqlgen's SSE
// transport asserts http.Flusher rather than using a ResponseController.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// middleware runs before every GraphQL request: body limit, rate limit,
// viewer, timeout, statement counter, loaders, the primary for editors'
// reads, and the purge of what the request wrote once it is over.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		info := reqinfo.From(ctx)

		// Uploads (multipart requests) may be larger; only editors may send
		// them, which the viewer below decides.
		upload := s.isUpload(r)
		limit := s.cfg.MaxBodyBytes
		if upload {
			limit = s.uploadBodyBytes()
		}
		if r.ContentLength > limit {
			info.Outcome = reqinfo.OutcomeRejected
			writeRequestError(w, info, http.StatusRequestEntityTooLarge, codePayloadTooLarge, "request body is larger than the limit")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)

		if d := s.limiter.Allow(r); !d.Allowed {
			info.Outcome = reqinfo.OutcomeRejected
			s.cfg.Metrics.RateLimited(d.Key)
			w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryAfter.Seconds())))
			writeRequestError(w, info, http.StatusTooManyRequests, codeRateLimited, "too many requests; retry after "+strconv.Itoa(int(d.RetryAfter.Seconds()))+"s")
			return
		}

		viewer := auth.Viewer{Role: auth.Reader}
		if s.cfg.Authenticate != nil {
			v, err := s.cfg.Authenticate(r)
			if err != nil {
				code := apperr.KindOf(err)
				status := http.StatusUnauthorized
				if code != apperr.Unauthenticated {
					status = http.StatusServiceUnavailable
				} else {
					s.limiter.Penalise(r)
				}
				info.Outcome = reqinfo.OutcomeRejected
				writeRequestError(w, info, status, string(code), err.Error())
				return
			}
			viewer = v
		}
		if upload && !viewer.Can(auth.Editor) {
			info.Outcome = reqinfo.OutcomeRejected
			writeRequestError(w, info, http.StatusUnauthorized, string(apperr.Unauthenticated), "file uploads (multipart requests) need an editor's API token")
			return
		}
		ctx = auth.WithViewer(ctx, viewer)
		// The same client address the rate limiter uses (--client-ip-header
		// behind a CDN), for per-client limits further in (newsletter).
		ctx = auth.WithClientAddr(ctx, s.limiter.ClientAddress(r))
		if viewer.SeesDrafts() {
			ctx = dbconn.WithPrimary(ctx) // editors read their own writes
		}

		liveRequest := false
		if s.cfg.Live != nil {
			if ws, sse := isLiveRequest(r); ws || sse {
				liveRequest = true
				conn := &live.Conn{}
				client := &liveClient{addr: s.limiter.ClientAddress(r), websocket: ws, authz: r.Header.Get("Authorization")}
				if sse {
					// An SSE stream lives longer than any server-wide read or
					// write timeout: each write has its own deadline, and the
					// hub ends the stream by aborting it (sseWriter).
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
					sw := newSSEWriter(w, s.cfg.WriteTimeout, cancel)
					w = sw
					conn.SetCloser(func(int, string) { sw.abort() })
					client.revoke = func() { sw.endWith(tokenRefusedEvent(info.ID)) }
				} else {
					client.revoke = func() { conn.Close(closeForbidden, "the API token is no longer valid") }
				}
				ctx = live.WithConn(ctx, conn)
				ctx = withLiveClient(ctx, client)
				// A websocket's token may still come in connection_init;
				// wsInit starts the check then.
				s.watchCredential(client)
				defer client.stop()
			}
		}
		// Subscriptions last as long as the client stays; everything else
		// has a deadline. (Queries and mutations over SSE and websockets
		// get theirs from operationPolicy.)
		if s.cfg.RequestTimeout > 0 && !liveRequest {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.cfg.RequestTimeout)
			defer cancel()
		}
		counter := dbconn.StatementCounterFrom(ctx)
		if counter == nil {
			counter = &dbconn.StatementCounter{}
			ctx = dbconn.WithStatementCounter(ctx, counter)
		}
		ctx = loaders.WithLazy(ctx, s.cfg.Content)
		pending := &httpcache.Pending{}
		ctx = httpcache.WithPending(ctx, pending)

		next.ServeHTTP(w, r.WithContext(ctx))

		info.Statements = counter.Count()
		if keys := pending.Keys(); len(keys) > 0 {
			s.Purge(keys...)
			// Again a little later: a reader may have re-cached the old
			// answer from a read replica that had not yet caught up.
			time.AfterFunc(repurgeAfter, func() { s.Purge(keys...) })
		}
	})
}

// tokenRefusedEvent is the last event of an SSE stream whose token was
// revoked or expired: a result with the error, then complete.
func tokenRefusedEvent(requestID string) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{
		"message":    "the API token is no longer valid",
		"extensions": map[string]any{"code": "UNAUTHENTICATED", "requestId": requestID},
	}}})
	return []byte("event: next\ndata: " + string(b) + "\n\nevent: complete\n\n")
}

// repurgeAfter is how long after a write its keys are purged a second time.
const repurgeAfter = 2 * time.Second

// writeRequestError answers a request that never reached GraphQL execution
// in the GraphQL response shape, with no data entry.
func writeRequestError(w http.ResponseWriter, info *reqinfo.Info, status int, code, msg string) {
	info.AddCode(code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code, "requestId": info.ID}}},
	})
}
