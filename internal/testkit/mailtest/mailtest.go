// Package mailtest runs a real SMTP server on loopback for tests: it speaks
// the protocol (via emersion/go-smtp), keeps what it receives, and can be
// told to refuse the next deliveries with a temporary error.
package mailtest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one delivered message.
type Message struct {
	From string
	To   []string
	Data string
}

// Server is a running SMTP server.
type Server struct {
	Addr string

	mu       sync.Mutex
	messages []Message
	failNext int
	arrived  chan struct{}
}

// Start runs a server until tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{arrived: make(chan struct{}, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return s
}

// URL is the --smtp-url for this server.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?from=news@broadsheet.test&tls=none" }

// FailNext makes the next n deliveries fail with 451 (try again later).
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Messages returns what has been delivered so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

type session struct {
	srv  *Server
	from string
	to   []string
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.messages = append(s.messages, Message{From: ss.from, To: ss.to, Data: string(b)})
	return nil
}
