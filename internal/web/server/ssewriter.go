package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// errStreamClosed is what writes to an SSE stream return once it has been
// given up on.
var errStreamClosed = errors.New("SSE stream closed")

// sseWriter bounds every write of an SSE stream. The stream outlives the
// server's write timeout, so each write gets its own deadline instead: a
// client that stops reading fills the socket's buffers, the write blocks,
// the deadline ends it, and the stream is cancelled — the handler
// goroutine and its buffers are released instead of waiting on the client
// forever. abort, called when the hub drops a slow subscriber or the
// server shuts down, also unblocks a write that is already stuck.
type sseWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	cancel  context.CancelFunc
	failed  atomic.Bool
	// mu keeps whole events apart: gqlgen writes each event in one Write,
	// and endWith adds one of its own from another goroutine.
	mu sync.Mutex
}

func newSSEWriter(w http.ResponseWriter, timeout time.Duration, cancel context.CancelFunc) *sseWriter {
	rc := http.NewResponseController(w)
	// The server-wide deadlines would end the stream; the stream sets its own.
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	return &sseWriter{ResponseWriter: w, rc: rc, timeout: timeout, cancel: cancel}
}

func (s *sseWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed.Load() {
		return 0, errStreamClosed
	}
	if s.timeout > 0 {
		s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	n, err := s.ResponseWriter.Write(p)
	if err != nil {
		s.fail()
	}
	return n, err
}

// Flush sends what is buffered, under the same deadline as a write.
func (s *sseWriter) Flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed.Load() {
		return
	}
	if s.timeout > 0 {
		s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	if err := s.rc.Flush(); err != nil {
		s.fail()
	}
}

// endWith writes a last event and ends the stream. If a write is under
// way (perhaps blocked on a client that does not read) the stream is
// aborted without it rather than waiting.
func (s *sseWriter) endWith(event []byte) {
	if s.mu.TryLock() {
		if !s.failed.Load() {
			if s.timeout > 0 {
				s.rc.SetWriteDeadline(time.Now().Add(s.timeout))
			}
			if _, err := s.ResponseWriter.Write(event); err == nil {
				s.rc.Flush()
			}
		}
		s.failed.Store(true)
		s.mu.Unlock()
	}
	s.abort()
}

// abort ends the stream now, even in the middle of a blocked write.
func (s *sseWriter) abort() {
	s.fail()
	s.rc.SetWriteDeadline(time.Now())
}

func (s *sseWriter) fail() {
	s.failed.Store(true)
	s.cancel()
}

func (s *sseWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
