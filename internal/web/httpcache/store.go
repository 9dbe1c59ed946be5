package httpcache

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"
)

// Entry is one cached response body with what is needed to serve it again.
type Entry struct {
	Body []byte
	ETag string
	Keys []string
	// Operation is the name of the operation that produced the body.
	Operation string
	// SurrogateKey and CacheTag are Keys as headers, made once.
	SurrogateKey, CacheTag string
	// CacheControl, when set, replaces the server's policy for this
	// answer (live blogs: Keys.CacheControl).
	CacheControl string
	Stored       time.Time
	// Until, when set, is when an article in the answer is taken down
	// (expiresAt): the entry is not served from then on.
	Until time.Time
	// ContentType and LastModified are set by documents other than
	// GraphQL answers (feeds), which serve them as headers.
	ContentType  string
	LastModified time.Time
}

// Key identifies an answer: it hashes everything that can change it.
type Key [32]byte

// MakeKey builds a cache key from the parts of a request that decide its
// answer. Parts are length-prefixed, so no two different lists collide.
func MakeKey(parts ...string) Key {
	h := sha256.New()
	var n [4]byte
	for _, p := range parts {
		l := len(p)
		n[0], n[1], n[2], n[3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
		h.Write(n[:])
		h.Write([]byte(p))
	}
	var k Key
	h.Sum(k[:0])
	return k
}

// StoreOptions bound the response cache.
type StoreOptions struct {
	// MaxEntries and MaxBytes bound the cache; the least recently used
	// entries go first.
	MaxEntries int
	MaxBytes   int64
	// TTL is how long an entry is served without a purge; it bounds the
	// staleness of what no write announces (a scheduled article whose time
	// has come).
	TTL time.Duration
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Store is the server-side response cache: an LRU of response bodies,
// indexed by surrogate key for purging. Safe for concurrent use.
type Store struct {
	opts StoreOptions

	mu      sync.Mutex
	entries map[Key]*list.Element
	lru     *list.List // front: most recently used
	byKey   map[string]map[Key]struct{}
	bytes   int64

	// epoch counts purges; a response computed across a purge is not stored,
	// since it may have read what the purge announced as changed.
	epoch atomic.Uint64

	hits, misses, purged atomic.Uint64

	// suspended: the cache serves and stores nothing (see Suspend).
	suspended atomic.Bool
}

type item struct {
	key   Key
	entry *Entry
}

// NewStore returns an empty cache.
func NewStore(opts StoreOptions) *Store {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 10000
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 64 << 20
	}
	if opts.TTL <= 0 {
		opts.TTL = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{opts: opts, entries: map[Key]*list.Element{}, lru: list.New(), byKey: map[string]map[Key]struct{}{}}
}

// MaxBytes returns the cache's bound in bytes.
func (s *Store) MaxBytes() int64 { return s.opts.MaxBytes }

// Epoch returns the purge counter; pass it to Put.
func (s *Store) Epoch() uint64 { return s.epoch.Load() }

// Get returns a fresh entry for k.
func (s *Store) Get(k Key) (*Entry, bool) {
	if s.suspended.Load() {
		s.misses.Add(1)
		return nil, false
	}
	s.mu.Lock()
	el, ok := s.entries[k]
	if ok {
		it := el.Value.(*item)
		now := s.opts.Now()
		if now.Sub(it.entry.Stored) >= s.opts.TTL || (!it.entry.Until.IsZero() && !now.Before(it.entry.Until)) {
			s.removeLocked(el)
			ok = false
		} else {
			s.lru.MoveToFront(el)
			s.mu.Unlock()
			s.hits.Add(1)
			return it.entry, true
		}
	}
	s.mu.Unlock()
	s.misses.Add(1)
	return nil, false
}

// Put stores e under k unless a purge happened since epoch was read.
func (s *Store) Put(k Key, e *Entry, epoch uint64) bool {
	e.Stored = s.opts.Now()
	if e.SurrogateKey == "" && len(e.Keys) > 0 {
		e.SurrogateKey, e.CacheTag = Header(e.Keys)
	}
	size := entrySize(e)
	if size > s.opts.MaxBytes/4 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Checked under the lock: Purge and Suspend bump the epoch while
	// holding it.
	if s.epoch.Load() != epoch || s.suspended.Load() {
		return false
	}
	if el, ok := s.entries[k]; ok {
		s.removeLocked(el)
	}
	el := s.lru.PushFront(&item{key: k, entry: e})
	s.entries[k] = el
	s.bytes += size
	for _, key := range e.Keys {
		m := s.byKey[key]
		if m == nil {
			m = map[Key]struct{}{}
			s.byKey[key] = m
		}
		m[k] = struct{}{}
	}
	for len(s.entries) > s.opts.MaxEntries || s.bytes > s.opts.MaxBytes {
		s.removeLocked(s.lru.Back())
	}
	return true
}

// entrySize is what an entry is charged: its body, its headers and keys
// (each key also indexes it in byKey), and the bookkeeping around them.
func entrySize(e *Entry) int64 {
	n := len(e.Body) + len(e.ETag) + len(e.Operation) + len(e.SurrogateKey) + len(e.CacheTag) + 256
	for _, k := range e.Keys {
		n += 2*len(k) + 64
	}
	return int64(n)
}

func (s *Store) removeLocked(el *list.Element) {
	it := el.Value.(*item)
	s.lru.Remove(el)
	delete(s.entries, it.key)
	s.bytes -= entrySize(it.entry)
	for _, key := range it.entry.Keys {
		if m := s.byKey[key]; m != nil {
			delete(m, it.key)
			if len(m) == 0 {
				delete(s.byKey, key)
			}
		}
	}
}

// Purge removes every entry tagged with any of keys and returns how many
// it removed.
func (s *Store) Purge(keys ...string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch.Add(1)
	n := 0
	for _, key := range keys {
		for k := range s.byKey[key] {
			if el, ok := s.entries[k]; ok {
				s.removeLocked(el)
				n++
			}
		}
	}
	s.purged.Add(uint64(n))
	return n
}

// PurgeAll empties the cache.
func (s *Store) PurgeAll() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.epoch.Add(1)
	n := len(s.entries)
	s.entries = map[Key]*list.Element{}
	s.lru.Init()
	s.byKey = map[string]map[Key]struct{}{}
	s.bytes = 0
	s.purged.Add(uint64(n))
	return n
}

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Entries              int
	Bytes                int64
	Hits, Misses, Purged uint64
}

// Stats returns the current counters.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	st := Stats{Entries: len(s.entries), Bytes: s.bytes}
	s.mu.Unlock()
	st.Hits, st.Misses, st.Purged = s.hits.Load(), s.misses.Load(), s.purged.Load()
	return st
}
