// Package persisted stores GraphQL documents by hash: the automatic
// persisted queries cache (in memory, or in Redis shared by every replica)
// and the trusted-documents mode that runs only registered documents.
package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/go-viper/mapstructure/v2"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Error codes (extensions.code), as Apollo's clients and routers name them.
const (
	CodeNotFound  = "PERSISTED_QUERY_NOT_FOUND"
	CodeNotInList = "PERSISTED_QUERY_NOT_IN_LIST"
)

// Hash returns the hex SHA-256 of a document, as APQ names it.
func Hash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// NewMemory returns an in-process APQ cache of size documents.
func NewMemory(size int) graphql.Cache[string] { return lru.New[string](size) }

// Redis is an APQ cache in Redis, shared by every replica, with a small
// in-process LRU in front so that a hot document costs no round trip.
// Redis failures degrade to misses: the client then sends the full query.
type Redis struct {
	client *redis.Client
	local  *lru.LRU[string]
	prefix string
	ttl    time.Duration
	log    *slog.Logger
}

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[:PASSWORD@]HOST:PORT[/DB] or a bare HOST:PORT.
	URL string
	// TTL is how long an unused document is kept (default 7 days).
	TTL time.Duration
	// Prefix namespaces the keys (default "broadsheet:apq:").
	Prefix string
	Logger *slog.Logger
}

// NewRedis connects to Redis and checks that it answers.
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	ro, err := redisOptions(opts.URL)
	if err != nil {
		return nil, err
	}
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = time.Second, 300*time.Millisecond, 300*time.Millisecond
	c := redis.NewClient(ro)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(pingCtx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s: %w", ro.Addr, err)
	}
	r := &Redis{client: c, local: lru.New[string](1000), prefix: opts.Prefix, ttl: opts.TTL, log: opts.Logger}
	if r.prefix == "" {
		r.prefix = "broadsheet:apq:"
	}
	if r.ttl <= 0 {
		r.ttl = 7 * 24 * time.Hour
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	return r, nil
}

func redisOptions(raw string) (*redis.Options, error) {
	if strings.Contains(raw, "://") {
		o, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("redis URL: %w", err)
		}
		return o, nil
	}
	return &redis.Options{Addr: raw}, nil
}

// Get implements graphql.Cache.
func (r *Redis) Get(ctx context.Context, hash string) (string, bool) {
	if doc, ok := r.local.Get(ctx, hash); ok {
		return doc, true
	}
	doc, err := r.client.Get(ctx, r.prefix+hash).Result()
	if err != nil {
		if err != redis.Nil {
			r.log.WarnContext(ctx, "persisted query lookup in redis failed", "err", err)
		}
		return "", false
	}
	if Hash(doc) != hash { // never trust the store with what we run
		return "", false
	}
	r.local.Add(ctx, hash, doc)
	return doc, true
}

// Add implements graphql.Cache.
func (r *Redis) Add(ctx context.Context, hash, doc string) {
	r.local.Add(ctx, hash, doc)
	if err := r.client.Set(ctx, r.prefix+hash, doc, r.ttl).Err(); err != nil {
		r.log.WarnContext(ctx, "persisted query store in redis failed", "err", err)
	}
}

// Close closes the connection pool.
func (r *Redis) Close() error { return r.client.Close() }

// Trusted runs only documents registered ahead of time. Clients send the
// hash (APQ's extensions.persistedQuery.sha256Hash or documentId); a full
// query runs only when its hash is in the list.
type Trusted struct {
	docs map[string]string
}

// LoadTrusted reads a JSON object of hash → document. Keys may carry a
// "sha256:" prefix; every hash is checked against its document.
func LoadTrusted(path string) (*Trusted, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trusted documents: %w", err)
	}
	var raw map[string]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("trusted documents %s: want a JSON object of sha256 hash → document: %w", path, err)
	}
	t := &Trusted{docs: make(map[string]string, len(raw))}
	for k, doc := range raw {
		hash := strings.ToLower(strings.TrimPrefix(k, "sha256:"))
		if Hash(doc) != hash {
			return nil, fmt.Errorf("trusted documents %s: %q is not the SHA-256 of its document", path, k)
		}
		t.docs[hash] = doc
	}
	return t, nil
}

// Len returns the number of trusted documents.
func (t *Trusted) Len() int { return len(t.docs) }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*Trusted)(nil)

func (*Trusted) ExtensionName() string                   { return "TrustedDocuments" }
func (*Trusted) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters swaps a hash for its document, and refuses
// anything not in the list.
func (t *Trusted) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	var ext struct {
		Sha256 string `mapstructure:"sha256Hash"`
	}
	if pq := p.Extensions["persistedQuery"]; pq != nil {
		if err := mapstructure.Decode(pq, &ext); err != nil {
			return &gqlerror.Error{Message: "invalid persistedQuery extension", Extensions: map[string]any{"code": "BAD_REQUEST"}}
		}
	}
	if p.Query != "" {
		hash := Hash(p.Query)
		if _, ok := t.docs[hash]; !ok || (ext.Sha256 != "" && ext.Sha256 != hash) {
			return &gqlerror.Error{Message: "this server runs only trusted documents, and this one is not among them", Extensions: map[string]any{"code": CodeNotInList}}
		}
		return nil
	}
	doc, ok := t.docs[strings.ToLower(ext.Sha256)]
	if !ok {
		return &gqlerror.Error{Message: "PersistedQueryNotFound", Extensions: map[string]any{"code": CodeNotFound}}
	}
	p.Query = doc
	return nil
}
