// Package testserver runs the real Broadsheet HTTP handler on a loopback
// port for end-to-end tests and benchmarks, and speaks GraphQL to it over
// plain HTTP, counting the SQL statements each request issued.
package testserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/webhooks"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/newsletter"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

// Server is a running Broadsheet server.
type Server struct {
	URL        string
	DB         *dbconn.DB
	Content    *content.Service
	Newsletter *newsletter.Service
	Config     server.Config
	// Handler is the server itself (for Purge, Drain, Metrics).
	Handler *server.Server

	counters sync.Map // id → *dbconn.StatementCounter
	next     atomic.Int64
	http     *httptest.Server
}

// Option adjusts the server config before it starts.
type Option func(*server.Config)

// New starts a server over db, closed when tb ends.
func New(tb testing.TB, db *dbconn.DB, svcOpts []content.Option, opts ...Option) *Server {
	tb.Helper()
	svc := content.New(content.StorageOf(store.New(db)), svcOpts...)
	tokens := auth.NewTokens(store.New(db))
	cfg := server.Config{Content: svc, DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Authenticate: tokens.Authenticate}
	for _, o := range opts {
		o(&cfg)
	}
	s := newServer(db, svc, cfg)
	tb.Cleanup(func() { checkArchiveIndexes(tb, db) })
	s.http = httptest.NewServer(s.counting())
	tb.Cleanup(s.http.Close)
	s.URL = s.http.URL
	return s
}

// checkArchiveIndexes fails tb when, after everything the test did
// through the server and the services, an archive index (author_articles,
// tag_articles and category_articles, with their owners' counts) disagrees with the
// articles: a write path forgot to keep it (store.syncArchives). A
// database the test already closed is not checked.
func checkArchiveIndexes(tb testing.TB, db *dbconn.DB) {
	tb.Helper()
	st := store.New(db)
	for _, ix := range []struct {
		name  string
		drift func(context.Context) ([]uint64, []uint64, error)
	}{{"author", st.AuthorArticlesDrift}, {"tag", st.TagArticlesDrift}, {"section", st.SectionArticlesDrift}} {
		articles, owners, err := ix.drift(context.Background())
		if err != nil {
			tb.Logf("%s index not checked: %v", ix.name, err)
			continue
		}
		if len(articles) > 0 || len(owners) > 0 {
			tb.Errorf("the %s index disagrees with the articles after this test: articles %v, %s counts %v; "+
				"a write of an article's status, publication, expiry, deletion or links did not call store.syncArchives", ix.name, articles, ix.name, owners)
		}
	}
}

// newServer builds the handler over cfg, with the services a test did not
// set up itself.
func newServer(db *dbconn.DB, svc *content.Service, cfg server.Config) *Server {
	if cfg.Newsletter == nil {
		cfg.Newsletter = newsletter.New(newsletter.StorageOf(store.New(db)), newsletter.Config{PublicURL: "https://news.example"})
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = webhooks.New(store.New(db), webhooks.Config{})
	}
	return &Server{DB: db, Content: svc, Config: cfg, Newsletter: cfg.Newsletter, Handler: server.New(cfg)}
}

// counting serves the handler, counting the statements of each request
// the test marked with X-Test-Counter.
func (s *Server) counting() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Test-Counter"); id != "" {
			c := &dbconn.StatementCounter{}
			s.counters.Store(id, c)
			r = r.WithContext(dbconn.WithStatementCounter(r.Context(), c))
		}
		s.Handler.ServeHTTP(w, r)
	})
}

// WithDemo starts a server over db filled with the demo content.
func WithDemo(tb testing.TB, db *dbconn.DB, svcOpts ...content.Option) *Server {
	tb.Helper()
	s := New(tb, db, svcOpts)
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		tb.Fatalf("seed demo content: %v", err)
	}
	return s
}

// Request is one GraphQL request.
type Request struct {
	Query     string
	Variables map[string]any
	// Token, when set, is sent as a Bearer token.
	Token string
	// GET sends the request as a GET with query parameters.
	GET bool
	// OperationName and Extensions are sent when set; an empty Query is
	// left out (a persisted query sent by hash).
	OperationName string
	Extensions    map[string]any
	// Header holds extra request headers (Accept, If-None-Match, …).
	Header http.Header
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a decoded GraphQL response.
type Response struct {
	Status     int
	Header     http.Header
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	HasData    bool
	Statements int64
	Body       []byte
}

// Codes lists the errors' extensions.code values.
func (r *Response) Codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Decode unmarshals data into v, failing the test on errors.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if len(r.Errors) > 0 {
		tb.Fatalf("unexpected GraphQL errors: %s", r.Body)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		tb.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Do sends req and decodes the response.
func (s *Server) Do(tb testing.TB, req Request) *Response {
	tb.Helper()
	var hr *http.Request
	var err error
	hr, err = s.NewHTTPRequest(req)
	if err != nil {
		tb.Fatal(err)
	}
	return s.Send(tb, hr)
}

// NewHTTPRequest builds the HTTP request for req.
func (s *Server) NewHTTPRequest(req Request) (*http.Request, error) {
	var hr *http.Request
	var err error
	if req.GET {
		q := url.Values{}
		if req.Query != "" {
			q.Set("query", req.Query)
		}
		if req.Variables != nil {
			b, _ := json.Marshal(req.Variables)
			q.Set("variables", string(b))
		}
		if req.OperationName != "" {
			q.Set("operationName", req.OperationName)
		}
		if req.Extensions != nil {
			b, _ := json.Marshal(req.Extensions)
			q.Set("extensions", string(b))
		}
		hr, err = http.NewRequest(http.MethodGet, s.URL+"/graphql?"+q.Encode(), nil)
	} else {
		m := map[string]any{"variables": req.Variables}
		if req.Query != "" {
			m["query"] = req.Query
		}
		if req.OperationName != "" {
			m["operationName"] = req.OperationName
		}
		if req.Extensions != nil {
			m["extensions"] = req.Extensions
		}
		body, _ := json.Marshal(m)
		hr, err = http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
		if err == nil {
			hr.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	return hr, nil
}

// Raw sends a prepared HTTP request and returns the response with its
// body read, whatever it holds (a 304 or 204 has none).
func (s *Server) Raw(tb testing.TB, hr *http.Request) (*http.Response, []byte) {
	tb.Helper()
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		tb.Fatalf("%s %s: %v", hr.Method, hr.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, body
}

// Send sends a prepared HTTP request to the server and decodes the answer.
func (s *Server) Send(tb testing.TB, hr *http.Request) *Response {
	tb.Helper()
	id := strconv.FormatInt(s.next.Add(1), 10)
	hr.Header.Set("X-Test-Counter", id)
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		tb.Fatalf("%s %s: %v", hr.Method, hr.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: body}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		tb.Fatalf("response is not JSON (status %d): %s", res.StatusCode, body)
	}
	_, out.HasData = raw["data"]
	if err := json.Unmarshal(body, out); err != nil {
		tb.Fatalf("decode response: %v: %s", err, body)
	}
	if c, ok := s.counters.LoadAndDelete(id); ok {
		out.Statements = c.(*dbconn.StatementCounter).Count()
	}
	return out
}

// MustData runs req and decodes its data into v, failing on any error.
func (s *Server) MustData(tb testing.TB, req Request, v any) *Response {
	tb.Helper()
	r := s.Do(tb, req)
	if r.Status != http.StatusOK {
		tb.Fatalf("status %d: %s", r.Status, r.Body)
	}
	r.Decode(tb, v)
	return r
}

// String formats a response for failure messages.
func (r *Response) String() string { return fmt.Sprintf("status %d: %s", r.Status, r.Body) }

// Token issues an API token with role on the server's database.
func (s *Server) Token(tb testing.TB, name string, role auth.Role) string {
	tb.Helper()
	tok, err := auth.NewTokens(store.New(s.DB)).Create(context.Background(), name, role)
	if err != nil {
		tb.Fatalf("create token %q: %v", name, err)
	}
	return tok
}

// Account adds an account with role (linked to the author authorID when
// not 0) and issues a token of that role for it.
func (s *Server) Account(tb testing.TB, email, name string, role auth.Role, authorID uint64) (*models.Account, string) {
	tb.Helper()
	ctx := context.Background()
	a, err := auth.NewAccounts(store.New(s.DB)).Create(ctx, auth.AccountInput{Email: email, Name: name, Role: role, AuthorID: authorID})
	if err != nil {
		tb.Fatalf("create account %q: %v", email, err)
	}
	tokenName := strings.Split(email, "@")[0]
	tok, err := auth.NewTokens(store.New(s.DB)).CreateFor(ctx, auth.TokenSpec{Name: tokenName, Role: role, Account: a})
	if err != nil {
		tb.Fatalf("create token for %q: %v", email, err)
	}
	return a, tok
}

// Clock is a settable clock for tests of scheduled publishing.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
