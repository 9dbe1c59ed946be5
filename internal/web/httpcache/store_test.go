package httpcache

import (
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"slices"
	"testing"
	"time"
)

func TestStore(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(StoreOptions{MaxEntries: 2, TTL: time.Minute, Now: func() time.Time { return now }})
	put := func(name string, keys ...string) bool {
		return s.Put(MakeKey(name), &Entry{Body: []byte(name), Keys: keys}, s.Epoch())
	}
	has := func(name string) bool { _, ok := s.Get(MakeKey(name)); return ok }

	put("home", "articles", "article:1")
	put("page", "article:2", "tag:1")
	if !has("home") || !has("page") {
		t.Fatal("stored entries are missing")
	}
	if n := s.Purge("tag:1"); n != 1 || has("page") || !has("home") {
		t.Errorf("Purge(tag:1) removed %d; page=%v home=%v", n, has("page"), has("home"))
	}
	put("a")
	put("b") // evicts the least recently used
	if has("home") {
		t.Error("LRU eviction kept the oldest entry")
	}
	epoch := s.Epoch()
	s.Purge("nothing")
	if s.Put(MakeKey("late"), &Entry{Body: []byte("x")}, epoch) {
		t.Error("an answer computed across a purge was stored")
	}
	now = now.Add(2 * time.Minute)
	if has("b") {
		t.Error("an expired entry was served")
	}
	if MakeKey("ab", "c") == MakeKey("a", "bc") {
		t.Error("keys of different parts collide")
	}
}

func TestNotModified(t *testing.T) {
	etag := ETag([]byte("body"))
	for _, tc := range []struct {
		header string
		want   bool
	}{{"", false}, {etag, true}, {"W/" + etag, true}, {`"x", ` + etag, true}, {"*", true}, {`"x"`, false}} {
		if got := NotModified(tc.header, etag); got != tc.want {
			t.Errorf("NotModified(%q) = %v", tc.header, got)
		}
	}
}

func TestHeaderCoarsensLongKeyLists(t *testing.T) {
	var keys []string
	for i := range 2000 {
		keys = append(keys, cachekey.Article(uint64(i+1)), cachekey.Tag(uint64(i+1)))
	}
	sk, _ := Header(keys)
	if len(sk) > maxHeaderBytes || !slices.Equal(splitSpace(sk), []string{cachekey.Articles, cachekey.Tags}) {
		t.Errorf("coarsened keys = %.100q", sk)
	}
}

func splitSpace(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
