package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/hostile"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/persisted"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// Many distinct, valid, large documents, each registered as a persisted
// query and answered into the response cache, leave every cache within
// its bound in bytes, as /metrics accounts them.
func TestCachesStayWithinTheirBytes(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	const (
		queryBound    = 256 << 10
		apqBound      = 256 << 10
		responseBound = 8 << 10
		maxDocument   = 100 << 10
	)
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.ExposeMetrics = true
		c.QueryCacheBytes = queryBound
		c.APQCacheBytes = apqBound
		c.APQMaxDocumentBytes = maxDocument
		c.ResponseCache.MaxBytes = responseBound
	})
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		t.Fatal(err)
	}
	// doc is a valid document of about size bytes, distinct for each i.
	doc := func(i, size int) string {
		return fmt.Sprintf("query Q%d { articles(first: 1) { nodes { title } } }\n# %s\n", i, strings.Repeat("x", size))
	}
	bounds := map[string]float64{
		"broadsheet_query_cache":    queryBound,
		"broadsheet_apq_cache":      apqBound,
		"broadsheet_response_cache": responseBound,
	}
	peak := map[string]float64{}
	for i := range 40 {
		q := doc(i, 60<<10)
		r := s.Do(t, testserver.Request{Query: q, Extensions: pq(persisted.Hash(q))})
		if len(r.Errors) > 0 || !r.HasData {
			t.Fatalf("document %d: %s", i, r)
		}
		body := scrape(t, s)
		for name, bound := range bounds {
			used, limit := metricValue(t, body, name+"_bytes"), metricValue(t, body, name+"_max_bytes")
			if limit != bound {
				t.Fatalf("%s_max_bytes = %v, want %v", name, limit, bound)
			}
			if used < 0 || used > limit {
				t.Fatalf("after %d documents: %s_bytes = %v, want within [0, %v]", i+1, name, used, limit)
			}
			peak[name] = max(peak[name], used)
		}
	}
	// Each cache was in use (a purge may empty the response cache at any
	// time: the seed's writes are purged again two seconds later).
	for name, p := range peak {
		if p <= 0 {
			t.Errorf("%s held nothing", name)
		}
	}
	// The newest document is still persisted; the first has been evicted.
	for _, tc := range []struct {
		i    int
		code string
	}{{39, ""}, {0, persisted.CodeNotFound}} {
		r := s.Do(t, testserver.Request{Extensions: pq(persisted.Hash(doc(tc.i, 60<<10)))})
		if codes := r.Codes(); tc.code == "" && len(codes) > 0 || tc.code != "" && !slices.Equal(codes, []string{tc.code}) {
			t.Errorf("document %d by hash: codes %v, want %q", tc.i, codes, tc.code)
		}
	}
}

// Only documents that run are persisted: not one that fails validation,
// not one the guards refuse, and not one over the size cap (which still
// runs when sent in full).
func TestOnlyRunnableDocumentsArePersisted(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	// Without the response cache, which answers a hash it has seen from
	// the answer it keeps, whatever the persisted-query store holds.
	s := testserver.New(t, db, nil, func(c *server.Config) { c.APQMaxDocumentBytes = 4 << 10; c.DisableResponseCache = true })
	large := "{ __typename }\n# " + strings.Repeat("x", 8<<10)
	cases := []struct {
		name, query, code string
	}{
		{"invalid", `{ nope }`, "GRAPHQL_VALIDATION_FAILED"},
		{"refused by a guard", hostile.FanOut(40, "Query", "__typename", "__typename"), "COMPLEXITY_LIMIT_EXCEEDED"},
		{"over the size cap", large, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hash := persisted.Hash(tc.query)
			r := s.Do(t, testserver.Request{Query: tc.query, Extensions: pq(hash)})
			if codes := r.Codes(); tc.code == "" && len(codes) > 0 || tc.code != "" && !slices.Equal(codes, []string{tc.code}) {
				t.Fatalf("sent in full: codes %v, want %q: %s", codes, tc.code, r)
			}
			r = s.Do(t, testserver.Request{Extensions: pq(hash)})
			if !slices.Equal(r.Codes(), []string{persisted.CodeNotFound}) {
				t.Errorf("by hash: %s, want %s (not stored)", r, persisted.CodeNotFound)
			}
		})
	}
}

// In Redis a persisted query expires (persisted.DefaultRedisTTL after its
// last use), and one over the size cap is not stored at all.
func TestRedisPersistedQueriesExpireAndAreCapped(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("needs Redis")
	}
	db := dbtest.Open(t, dbconn.SQLite)
	var b [6]byte
	rand.Read(b[:])
	prefix := "broadsheet-test:" + hex.EncodeToString(b[:]) + ":"
	cache := redisCache(t, prefix)
	s := testserver.New(t, db, nil, func(c *server.Config) {
		c.APQCache = cache
		c.APQMaxDocumentBytes = 4 << 10
		c.DisableResponseCache = true
	})
	addr := os.Getenv("BROADSHEET_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	opts := &redis.Options{Addr: addr}
	if strings.Contains(addr, "://") { // CI passes a URL, as --redis takes
		var err error
		if opts, err = redis.ParseURL(addr); err != nil {
			t.Fatalf("BROADSHEET_TEST_REDIS %q: %v", addr, err)
		}
	}
	rc := redis.NewClient(opts)
	t.Cleanup(func() { rc.Close() })
	ctx := context.Background()

	small := "{ __typename }"
	large := small + "\n# " + strings.Repeat("x", 8<<10)
	for _, q := range []string{small, large} {
		if r := s.Do(t, testserver.Request{Query: q, Extensions: pq(persisted.Hash(q))}); len(r.Errors) > 0 {
			t.Fatal(r)
		}
	}
	ttl, err := rc.TTL(ctx, prefix+persisted.Hash(small)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 0 || ttl > persisted.DefaultRedisTTL {
		t.Errorf("TTL of a persisted query = %v, want within (0, %v]", ttl, persisted.DefaultRedisTTL)
	}
	if n, err := rc.Exists(ctx, prefix+persisted.Hash(large)).Result(); err != nil || n != 0 {
		t.Errorf("a document over the cap is in Redis (exists = %d, %v)", n, err)
	}
}
