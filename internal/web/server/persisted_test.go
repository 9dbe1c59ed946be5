package server_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/persisted"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// redisCache connects to the test Redis (BROADSHEET_TEST_REDIS, default
// 127.0.0.1:6379) with a key prefix of its own; it skips when Redis does
// not answer unless BROADSHEET_TEST_REDIS_REQUIRED=1 (as in CI).
func redisCache(t *testing.T, prefix string) graphql.Cache[string] {
	t.Helper()
	addr := os.Getenv("BROADSHEET_TEST_REDIS")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	r, err := persisted.NewRedis(context.Background(), persisted.RedisOptions{URL: addr, Prefix: prefix})
	if err != nil {
		if os.Getenv("BROADSHEET_TEST_REDIS_REQUIRED") == "1" {
			t.Fatalf("Redis: %v, and BROADSHEET_TEST_REDIS_REQUIRED=1", err)
		}
		t.Skipf("Redis does not answer (%v): skipping; set BROADSHEET_TEST_REDIS", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	var b [6]byte
	rand.Read(b[:])
	prefix := "broadsheet-test:" + hex.EncodeToString(b[:]) + ":"
	backends := []struct {
		name  string
		cache func(t *testing.T) graphql.Cache[string]
	}{
		{"memory", func(*testing.T) graphql.Cache[string] { return persisted.NewMemory(1 << 20) }},
		{"redis", func(t *testing.T) graphql.Cache[string] { return redisCache(t, prefix) }},
	}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			cache := be.cache(t)
			// Two replicas: Redis is shared by both, memory is not.
			a := testserver.New(t, db, nil, func(c *server.Config) { c.APQCache = cache })
			otherCache := be.cache(t)
			b := testserver.New(t, db, nil, func(c *server.Config) { c.APQCache = otherCache })
			query := `query Sections { categories { slug } }` + "\n# " + be.name
			hash := persisted.Hash(query)
			replica := struct {
				code string
				data bool
			}{"PERSISTED_QUERY_NOT_FOUND", false}
			if be.name == "redis" {
				replica.code, replica.data = "", true
			}
			steps := []struct {
				name string
				srv  *testserver.Server
				req  testserver.Request
				code string
				data bool
			}{
				{"miss by POST", a, testserver.Request{Extensions: pq(hash)}, "PERSISTED_QUERY_NOT_FOUND", false},
				{"miss by GET", a, testserver.Request{GET: true, Extensions: pq(hash)}, "PERSISTED_QUERY_NOT_FOUND", false},
				{"mismatch", a, testserver.Request{Query: query, Extensions: pq(strings.Repeat("0", 64))}, "BAD_REQUEST", false},
				{"still a miss after the mismatch", a, testserver.Request{Extensions: pq(hash)}, "PERSISTED_QUERY_NOT_FOUND", false},
				{"register", a, testserver.Request{Query: query, Extensions: pq(hash)}, "", true},
				{"hit by POST", a, testserver.Request{Extensions: pq(hash)}, "", true},
				{"hit by GET", a, testserver.Request{GET: true, Extensions: pq(hash)}, "", true},
				{"another replica", b, testserver.Request{GET: true, Extensions: pq(hash)}, replica.code, replica.data},
				{"mismatch after registration", a, testserver.Request{Query: query + " ", Extensions: pq(hash)}, "BAD_REQUEST", false},
			}
			for _, st := range steps {
				r := st.srv.Do(t, st.req)
				codes := r.Codes()
				if st.code == "" && len(codes) > 0 || st.code != "" && !slices.Equal(codes, []string{st.code}) {
					t.Fatalf("%s: codes %v, want %q: %s", st.name, codes, st.code, r)
				}
				if r.HasData != st.data {
					t.Errorf("%s: data entry present = %v, want %v", st.name, r.HasData, st.data)
				}
				if r.Status != 200 {
					t.Errorf("%s: status %d, want 200 (application/json)", st.name, r.Status)
				}
			}
		})
	}
}

func TestTrustedDocuments(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	doc := `query Sections { categories { slug } }`
	hash := persisted.Hash(doc)
	path := filepath.Join(t.TempDir(), "trusted.json")
	b, _ := json.Marshal(map[string]string{"sha256:" + hash: doc})
	os.WriteFile(path, b, 0o600)
	trusted, err := persisted.LoadTrusted(path)
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.New(t, db, nil, func(c *server.Config) { c.Trusted = trusted })
	if err := demo.Seed(context.Background(), s.Content); err != nil {
		t.Fatal(err)
	}
	other := `{ categories { name } }`
	cases := []struct {
		name string
		req  testserver.Request
		code string
	}{
		{"trusted hash by POST", testserver.Request{Extensions: pq(hash)}, ""},
		{"trusted hash by GET", testserver.Request{GET: true, Extensions: pq(hash)}, ""},
		{"trusted document in full", testserver.Request{Query: doc}, ""},
		{"unknown hash", testserver.Request{Extensions: pq(persisted.Hash(other))}, "PERSISTED_QUERY_NOT_FOUND"},
		{"free-form query", testserver.Request{Query: other}, "PERSISTED_QUERY_NOT_IN_LIST"},
		{"APQ registration is off", testserver.Request{Query: other, Extensions: pq(persisted.Hash(other))}, "PERSISTED_QUERY_NOT_IN_LIST"},
		{"trusted text under another hash", testserver.Request{Query: doc, Extensions: pq(persisted.Hash(other))}, "PERSISTED_QUERY_NOT_IN_LIST"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(t, tc.req)
			codes := r.Codes()
			if tc.code == "" {
				if len(codes) > 0 || !strings.Contains(string(r.Data), `"slug"`) {
					t.Fatalf("want the trusted document's data: %s", r)
				}
				return
			}
			if !slices.Equal(codes, []string{tc.code}) || r.HasData {
				t.Fatalf("codes %v, want [%s] without data: %s", codes, tc.code, r)
			}
		})
	}
	t.Run("documentId", func(t *testing.T) {
		hr, _ := s.NewHTTPRequest(testserver.Request{GET: true})
		hr.URL.RawQuery = "documentId=sha256:" + hash
		if r := s.Send(t, hr); len(r.Errors) > 0 || !r.HasData {
			t.Errorf("documentId: %s", r)
		}
	})
	t.Run("a file whose hash does not match its document", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.json")
		os.WriteFile(bad, []byte(`{"`+strings.Repeat("a", 64)+`": "{ __typename }"}`), 0o600)
		if _, err := persisted.LoadTrusted(bad); err == nil || !strings.Contains(err.Error(), "not the SHA-256") {
			t.Errorf("LoadTrusted = %v, want a hash mismatch error", err)
		}
	})
}
