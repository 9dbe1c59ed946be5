package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/dbconn"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/loaders"
)

type requestIDKey struct{}

// RequestID returns the id of the request in ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// middleware runs before every GraphQL request: request id, body limit,
// viewer, statement counter and fresh loaders.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)

		if r.ContentLength > s.cfg.MaxBodyBytes {
			writeRequestError(w, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body is larger than the limit")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)

		viewer := auth.Viewer{Role: auth.Reader}
		if s.cfg.Authenticate != nil {
			v, err := s.cfg.Authenticate(r)
			if err != nil {
				code := apperr.KindOf(err)
				status := http.StatusUnauthorized
				if code != apperr.Unauthenticated {
					status = http.StatusServiceUnavailable
				}
				writeRequestError(w, status, string(code), err.Error())
				return
			}
			viewer = v
		}
		ctx = auth.WithViewer(ctx, viewer)
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ctx = auth.WithClientAddr(ctx, host)
		}

		if dbconn.StatementCounterFrom(ctx) == nil {
			ctx = dbconn.WithStatementCounter(ctx, &dbconn.StatementCounter{})
		}
		ctx = loaders.With(ctx, loaders.New(s.cfg.Content))
		if s.cfg.Live != nil {
			if ws, sse := isLiveRequest(r); ws || sse {
				conn := &live.Conn{}
				if sse {
					// An SSE stream lives longer than any server-wide read or
					// write timeout; the hub ends it by cancelling instead.
					rc := http.NewResponseController(w)
					rc.SetReadDeadline(time.Time{})
					rc.SetWriteDeadline(time.Time{})
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
					conn.SetCloser(func(int, string) { cancel() })
				}
				ctx = live.WithConn(ctx, conn)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeRequestError answers a request that never reached GraphQL execution
// in the GraphQL response shape, with no data entry.
func writeRequestError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}
