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
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/go-viper/mapstructure/v2"
	"github.com/redis/go-redis/v9"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/web/bytecache"
)

// Defaults of the persisted-query bounds.
const (
	// DefaultMemoryBytes bounds the in-process cache (alone, or in front
	// of Redis).
	DefaultMemoryBytes = 16 << 20
	// DefaultMaxDocumentBytes is the largest document persisted; larger
	// ones still run when sent in full, but are not stored.
	DefaultMaxDocumentBytes = 64 << 10
	// DefaultRedisTTL is how long Redis keeps a document not used since.
	DefaultRedisTTL = 24 * time.Hour
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

// Memory is an in-process APQ cache bounded in bytes.
type Memory = bytecache.Cache[string]

// NewMemory returns an in-process APQ cache of at most maxBytes
// (DefaultMemoryBytes when not positive).
func NewMemory(maxBytes int64) *Memory {
	if maxBytes <= 0 {
		maxBytes = DefaultMemoryBytes
	}
	return bytecache.New[string](maxBytes, bytecache.StringSize)
}

// APQ is automatic persisted queries (Apollo's protocol, as gqlgen's
// extension.AutomaticPersistedQuery speaks it) with two differences: a
// document is stored only once it has parsed, validated and passed the
// guards (register APQ after them), and only up to MaxDocumentBytes; so
// the store holds nothing a client could not have run.
type APQ struct {
	Cache graphql.Cache[string]
	// MaxDocumentBytes is the largest document stored (default
	// DefaultMaxDocumentBytes; negative: no limit).
	MaxDocumentBytes int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = APQ{}

func (APQ) ExtensionName() string { return "AutomaticPersistedQuery" }

func (a APQ) Validate(graphql.ExecutableSchema) error {
	if a.Cache == nil {
		return fmt.Errorf("persisted queries: no cache")
	}
	return nil
}

// apqStats is what MutateOperationParameters tells MutateOperationContext.
type apqStats struct {
	hash      string
	sentQuery bool
}

const apqExtension = "broadsheet.APQ"

// MutateOperationParameters swaps a hash for its stored document, or
// checks a full document against its hash.
func (a APQ) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Extensions["persistedQuery"] == nil {
		return nil
	}
	var ext struct {
		Sha256  string `mapstructure:"sha256Hash"`
		Version int64  `mapstructure:"version"`
	}
	if err := mapstructure.Decode(p.Extensions["persistedQuery"], &ext); err != nil {
		return gqlerror.Errorf("invalid APQ extension data")
	}
	if ext.Version != 1 {
		return gqlerror.Errorf("unsupported APQ version")
	}
	sent := p.Query != ""
	if !sent {
		doc, ok := a.Cache.Get(ctx, ext.Sha256)
		if !ok {
			err := gqlerror.Errorf("PersistedQueryNotFound")
			errcode.Set(err, CodeNotFound)
			return err
		}
		p.Query = doc
	} else if Hash(p.Query) != ext.Sha256 {
		return gqlerror.Errorf("provided APQ hash does not match query")
	}
	if opCtx := graphql.GetOperationContext(ctx); opCtx != nil {
		opCtx.Stats.SetExtension(apqExtension, &apqStats{hash: ext.Sha256, sentQuery: sent})
	}
	return nil
}

// MutateOperationContext stores a document sent in full, now that it has
// parsed, validated and passed the guards registered before APQ.
func (a APQ) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	st, _ := opCtx.Stats.GetExtension(apqExtension).(*apqStats)
	if st == nil || !st.sentQuery {
		return nil
	}
	limit := a.MaxDocumentBytes
	if limit == 0 {
		limit = DefaultMaxDocumentBytes
	}
	if limit < 0 || len(opCtx.RawQuery) <= limit {
		a.Cache.Add(ctx, st.hash, opCtx.RawQuery)
	}
	return nil
}

// Redis is an APQ cache in Redis, shared by every replica, with a small
// in-process LRU in front so that a hot document costs no round trip.
// Redis failures degrade to misses: the client then sends the full query.
type Redis struct {
	client *redis.Client
	local  *Memory
	prefix string
	ttl    time.Duration
	log    *slog.Logger
}

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[:PASSWORD@]HOST:PORT[/DB] or a bare HOST:PORT.
	URL string
	// TTL is how long a document not used since is kept (default
	// DefaultRedisTTL); each use renews it.
	TTL time.Duration
	// LocalBytes bounds the in-process cache in front of Redis (default
	// DefaultMemoryBytes).
	LocalBytes int64
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
	r := &Redis{client: c, local: NewMemory(opts.LocalBytes), prefix: opts.Prefix, ttl: opts.TTL, log: opts.Logger}
	if r.prefix == "" {
		r.prefix = "broadsheet:apq:"
	}
	if r.ttl <= 0 {
		r.ttl = DefaultRedisTTL
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
	// GETEX renews the expiry: a document in use stays, one unused for
	// the TTL goes.
	doc, err := r.client.GetEx(ctx, r.prefix+hash, r.ttl).Result()
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

// Bytes and MaxBytes report the in-process cache in front of Redis (Redis
// itself holds at most one document of MaxDocumentBytes per hash, each
// for the TTL since its last use).
func (r *Redis) Bytes() int64    { return r.local.Bytes() }
func (r *Redis) MaxBytes() int64 { return r.local.MaxBytes() }

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
