package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/internal/testkit/wait"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/brokertest"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
	"github.com/broadsheet/broadsheet/models"
)

// tcpProxy forwards a loopback port to MariaDB; Cut closes it and every
// connection through it, Restore listens again on the same port.
type tcpProxy struct {
	addr, upstream string
	mu             sync.Mutex
	ln             net.Listener
	conns          map[net.Conn]bool
}

func startProxy(t *testing.T, upstream string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{upstream: upstream, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.upstream)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *tcpProxy) Restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("restore proxy on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

func readyStatus(t *testing.T, s *testserver.Server) int {
	t.Helper()
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// While MariaDB is unreachable, requests fail fast with UNAVAILABLE (and
// cached answers are still served); when it is back, requests succeed
// again without restarting anything.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	t.Parallel()
	raw := dbtest.URL(t, dbconn.MySQL)
	u, _ := url.Parse(raw)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	ctx := context.Background()
	db, err := dbconn.Open(ctx, u.String(), dbconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := testserver.WithDemo(t, db)
	cachedQuery := testserver.Request{GET: true, Query: `{ categories { slug } }`}
	s.MustData(t, cachedQuery, &map[string]any{})
	n := 0
	fresh := func() *testserver.Response { // a query the response cache cannot answer
		n++
		return s.Do(t, testserver.Request{Query: `query($n: Int) { articles(first: $n) { totalCount } }`, Variables: map[string]any{"n": n % 50}})
	}
	if r := fresh(); len(r.Errors) > 0 {
		t.Fatalf("before the outage: %s", r)
	}

	proxy.Cut()
	sawFastFail := false
	wait.Until(t, "requests to be refused before execution while the database is down", func() bool {
		r := fresh()
		if codes := r.Codes(); !slices.Equal(codes, []string{"UNAVAILABLE"}) {
			t.Fatalf("during the outage: codes %v, want [UNAVAILABLE]: %s", codes, r)
		}
		if strings.Contains(string(r.Body), "dial tcp") || strings.Contains(string(r.Body), proxy.addr) {
			t.Errorf("the error leaks connection details: %s", r)
		}
		if r.Status == http.StatusServiceUnavailable && !r.HasData {
			sawFastFail = r.Statements == 0
			return true
		}
		return false
	})
	if !sawFastFail {
		t.Error("a fast-failed request still issued SQL")
	}
	if st := readyStatus(t, s); st != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", st)
	}
	if r := s.Do(t, cachedQuery); r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("a cached answer was not served during the outage: %s", r)
	}

	proxy.Restore(t)
	wait.Until(t, "requests to succeed after the database came back", func() bool {
		r := fresh()
		return r.Status == 200 && len(r.Errors) == 0
	})
	if st := readyStatus(t, s); st != http.StatusOK {
		t.Errorf("/readyz after recovery: %d", st)
	}
}

// Readers' queries go to the read replica; editors read the primary (so
// they see their own writes at once), and writes always go to the primary.
func TestReadReplicas(t *testing.T) {
	t.Parallel()
	primaryURL := dbtest.URL(t, dbconn.MySQL)
	replicaURL := dbtest.URL(t, dbconn.MySQL)
	ctx := context.Background()
	// The "replica" is a separate database with different content, so
	// that where each read went shows in its answer.
	replica, err := dbconn.Open(ctx, replicaURL, dbconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	if _, err := replica.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := testserver.New(t, replica, nil).Content.CreateArticle(ctx, content.ArticleInput{Title: "Only on the replica", Status: models.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	db, err := dbconn.Open(ctx, primaryURL, dbconn.Options{Replicas: []string{replicaURL}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := testserver.New(t, db, nil, func(c *server.Config) { c.Authenticate = editorAuth; c.DisableResponseCache = true })
	if err := demo.Seed(ctx, s.Content); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Content.CreateArticle(ctx, content.ArticleInput{Title: "Written to the primary", Status: models.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	list := `{ articles(first: 100) { nodes { title } } }`
	titles := func(token string) string {
		r := s.Do(t, testserver.Request{Query: list, Token: token})
		if len(r.Errors) > 0 {
			t.Fatalf("%s", r)
		}
		return string(r.Data)
	}
	reader, editor := titles(""), titles("test-editor")
	if !strings.Contains(reader, "Only on the replica") || strings.Contains(reader, "Written to the primary") {
		t.Errorf("a reader's query did not go to the replica: %s", reader)
	}
	if !strings.Contains(editor, "Written to the primary") || strings.Contains(editor, "Only on the replica") {
		t.Errorf("an editor's query did not go to the primary: %s", editor)
	}

	// Tokens are checked on the primary: the replica has never heard of
	// this one (and would still hold a revoked one as valid).
	tokens := auth.NewTokens(store.New(db))
	tok, err := tokens.Create(ctx, "made-on-the-primary", auth.Editor)
	if err != nil {
		t.Fatal(err)
	}
	withTokens := testserver.New(t, db, nil, func(c *server.Config) {
		c.Authenticate = tokens.Authenticate
		c.DisableResponseCache = true
		c.ExposeMetrics = true
	})
	if r := withTokens.Do(t, testserver.Request{Query: list, Token: tok}); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "Written to the primary") {
		t.Errorf("a token made on the primary, with replicas: %s", r)
	}
	// Each replica's connection pool has its metrics.
	if body := scrape(t, withTokens); !strings.Contains(body, `go_sql_open_connections{db_name="replica-1"}`) {
		t.Errorf("/metrics has no pool stats for the replica")
	}
}

// liveMetric reads one sample of a live server's metrics.
func liveMetric(t *testing.T, s *testserver.LiveServer, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler.Metrics().Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	v := metricValue(t, rec.Body.String(), name)
	if v < 0 {
		t.Fatalf("no metric %s", name)
	}
	return v
}

// TestBrokerOutageTurnsResponseCacheOff: replica B has an article's answer
// in its response cache when its link to the broker (Redis) is cut. While
// it is cut, the article is unpublished on replica A, whose purge cannot
// reach B: B must not serve the cached answer. B's cache is off (and
// empty) for the outage and on again once the broker is back.
func TestBrokerOutageTurnsResponseCacheOff(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs MariaDB and Redis")
	}
	url := brokertest.WithTopic(t, brokertest.RedisURL(t))
	db := dbtest.Open(t, dbconn.MySQL)
	proxy := brokertest.NewProxy(t, hostPort(t, url))
	fast := func(c *server.Config) { c.BrokerCheck = 20 * time.Millisecond }
	a := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, url), Server: fast})
	b := testserver.NewLive(t, db, testserver.LiveOptions{Broker: openBroker(t, proxy.URL(t, url)), Server: fast})
	wait.Until(t, "both replicas ready", func() bool {
		return status(t, a.URL+"/readyz/live") == 200 && status(t, b.URL+"/readyz/live") == 200 &&
			liveMetric(t, b, "broadsheet_response_cache_suspended") == 0
	})
	editor := a.Token(t, "cache-outage", auth.Editor)
	p := create(t, a.Server, editor, map[string]any{"title": "Pulled during the outage", "body": "Text.", "status": "PUBLISHED"})
	if p.Article == nil {
		t.Fatalf("create: %+v", p.UserErrors)
	}
	read := testserver.Request{GET: true, Query: `query($slug: String) { article(slug: $slug) { title } }`, Variables: map[string]any{"slug": "pulled-during-the-outage"}}
	visible := func(s *testserver.LiveServer) bool {
		var got struct{ Article *struct{ Title string } }
		s.MustData(t, read, &got)
		return got.Article != nil
	}
	// Until the create's event has reached B, its purge may drop the entry.
	wait.Until(t, "B to answer from its response cache", func() bool {
		if !visible(b) {
			t.Fatal("the published article is not visible on B")
		}
		hits := liveMetric(t, b, "broadsheet_response_cache_hits_total")
		visible(b)
		return liveMetric(t, b, "broadsheet_response_cache_hits_total") == hits+1
	})

	proxy.Cut()
	wait.Until(t, "B's response cache to turn off", func() bool { return liveMetric(t, b, "broadsheet_response_cache_suspended") == 1 })
	if n := liveMetric(t, b, "broadsheet_response_cache_entries"); n != 0 {
		t.Errorf("B's cache holds %v entries during the outage, want none", n)
	}
	if p := mutate(t, a.Server, editor, "unpublishArticle(id: $id)", "", map[string]any{"id": p.Article.ID}); p.Article == nil {
		t.Fatalf("unpublish: %+v", p)
	}
	if visible(b) {
		t.Error("B served the unpublished article during the broker outage")
	}
	if visible(b) {
		t.Error("B served the unpublished article during the broker outage, the second time")
	}

	proxy.Restore()
	wait.Until(t, "B's response cache to turn on", func() bool { return liveMetric(t, b, "broadsheet_response_cache_suspended") == 0 })
	// The events missed during the outage may still arrive and purge what
	// was stored just now: the cache must serve again, not at once.
	wait.Until(t, "B's response cache to serve again after the outage", func() bool {
		if visible(b) {
			t.Fatal("the unpublished article is visible on B after the outage")
		}
		hits := liveMetric(t, b, "broadsheet_response_cache_hits_total")
		if visible(b) {
			t.Fatal("the unpublished article is visible on B after the outage")
		}
		return liveMetric(t, b, "broadsheet_response_cache_hits_total") == hits+1
	})
}
