// Package searchindex is the in-process inverted index that answers
// search on both engines (issue 18): every server replica holds one, built
// from the database at start and kept in step with the articles' changes
// (Keeper). It holds, per article, the folded words of headline,
// standfirst and body (as internal/fulltext tokenises and folds them), and
// the columns the reader visibility rule and the article filters need; it
// finds the matches of a fulltext.Query with compressed bitmaps
// (roaring), scores them in Go and hands out the ids of one page, best
// first, with the exact number of matches. The texts themselves stay in
// the database: the store reads the page's rows (for snippets) by id.
//
// Ranking is FTS5's bm25 (k1 1.2, b 0.75, weights 4 headline, 2
// standfirst, 1 body, idf floored at 1e-6), times the recency boost
// 1 + 0.5 / (1 + age in days / 30): what SQLite ranked by before, now the
// same on MariaDB.
package searchindex

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/broadsheet/broadsheet/internal/fulltext"
)

// Doc is an article as the index holds it.
type Doc struct {
	ID                     uint64
	Title, Subtitle, Body  string // Body: the plain text (articles.body_text)
	Status                 string
	PublishedAt, ExpiresAt *time.Time
	DeletedAt              *time.Time
	Locale                 string
	CategoryID             uint64 // 0: none
	ReviewState            string
	TagIDs, AuthorIDs      []uint64
}

// Field weights, as SQLite's bm25(articles_fts, 4.0, 2.0, 1.0) had them.
var fieldWeight = [3]float64{4, 2, 1}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
	// recencyHalfDays is the age at which the recency boost has halved
	// (store's constant of the same name).
	recencyHalfDays = 30
)

// doc is one article's entry.
type doc struct {
	id          uint64
	status      string
	published   int64 // Unix microseconds; hasPub false: none
	hasPub      bool
	expires     int64
	hasExp      bool
	deleted     bool
	locale      string
	category    uint64
	reviewState string
	tags        []uint64
	authors     []uint64
	// terms are the distinct term ids of the article's words, sorted; tf
	// the weighted frequency of each (4 × headline + 2 × standfirst +
	// body occurrences), as bm25 counts it.
	terms []uint32
	tf    []float32
	// stream is every token of headline, standfirst and body in order, as
	// varint indexes into terms (phrases are found in it as byte strings);
	// ends are the byte offsets where headline and standfirst end; length
	// is the number of tokens.
	stream []byte
	ends   [2]uint32
	length uint32
}

// Index is safe for concurrent use: searches share a read lock, changes
// take the write lock for the time of swapping one article's entry.
type Index struct {
	mu       sync.RWMutex
	docs     []*doc // by slot; nil: free
	free     []uint32
	slotOf   map[uint64]uint32
	termID   map[string]uint32
	termStr  []string
	postings []*roaring.Bitmap // by term id: the slots of the articles holding it; nil for unsearchable words
	sorted   []string          // the searchable terms in order, for prefixes
	all      *roaring.Bitmap   // every used slot
	tokens   uint64            // tokens of every article, for bm25's average length
	bulk     bool              // in PutAll: sorted is sorted at the end
}

// New returns an empty index.
func New() *Index {
	return &Index{slotOf: map[uint64]uint32{}, termID: map[string]uint32{}, all: roaring.New()}
}

// Len is the number of articles held.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slotOf)
}

// Put adds the article or replaces its entry.
func (x *Index) Put(d Doc) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.put(d)
}

// PutAll puts many articles at once (a build).
func (x *Index) PutAll(docs []Doc) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.bulk = true
	n := len(x.sorted)
	for _, d := range docs {
		x.put(d)
	}
	x.bulk = false
	if len(x.sorted) > n {
		slices.Sort(x.sorted)
	}
}

func (x *Index) put(d Doc) {
	x.remove(d.ID)
	e := x.analyse(d)
	var slot uint32
	if n := len(x.free); n > 0 {
		slot = x.free[n-1]
		x.free = x.free[:n-1]
		x.docs[slot] = e
	} else {
		slot = uint32(len(x.docs))
		x.docs = append(x.docs, e)
	}
	x.slotOf[d.ID] = slot
	x.all.Add(slot)
	x.tokens += uint64(e.length)
	for _, t := range e.terms {
		if p := x.postings[t]; p != nil {
			p.Add(slot)
		}
	}
}

// Remove drops the article (hard-deleted): nothing happens when it is not held.
func (x *Index) Remove(id uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.remove(id)
}

func (x *Index) remove(id uint64) {
	slot, ok := x.slotOf[id]
	if !ok {
		return
	}
	e := x.docs[slot]
	for _, t := range e.terms {
		if p := x.postings[t]; p != nil {
			p.Remove(slot)
		}
	}
	x.tokens -= uint64(e.length)
	x.all.Remove(slot)
	x.docs[slot] = nil
	x.free = append(x.free, slot)
	delete(x.slotOf, id)
}

// term returns the id of a folded word, adding it when new.
func (x *Index) term(w string) uint32 {
	if id, ok := x.termID[w]; ok {
		return id
	}
	id := uint32(len(x.termStr))
	x.termID[w] = id
	x.termStr = append(x.termStr, w)
	var p *roaring.Bitmap
	if searchable(w) {
		p = roaring.New()
		if x.bulk {
			x.sorted = append(x.sorted, w) // sorted once at the end (PutAll)
		} else {
			i := sort.SearchStrings(x.sorted, w)
			x.sorted = slices.Insert(x.sorted, i, w)
		}
	}
	x.postings = append(x.postings, p)
	return id
}

// searchable is fulltext's rule for a word that can be searched alone.
func searchable(folded string) bool {
	n := utf8.RuneCountInString(folded)
	return n >= fulltext.MinWordRunes && n <= fulltext.MaxWordRunes && !fulltext.IsStopword(folded)
}

// analyse tokenises and folds d's fields.
func (x *Index) analyse(d Doc) *doc {
	e := &doc{id: d.ID, status: d.Status, locale: d.Locale, category: d.CategoryID, reviewState: d.ReviewState,
		tags: slices.Clone(d.TagIDs), authors: slices.Clone(d.AuthorIDs), deleted: d.DeletedAt != nil}
	if d.PublishedAt != nil {
		e.published, e.hasPub = d.PublishedAt.UnixMicro(), true
	}
	if d.ExpiresAt != nil {
		e.expires, e.hasExp = d.ExpiresAt.UnixMicro(), true
	}
	var ids []uint32 // global term ids, in text order
	var lens [3]int
	tf := map[uint32]float32{}
	for f, text := range [3]string{d.Title, d.Subtitle, d.Body} {
		toks := fulltext.Tokens(text)
		lens[f] = len(toks)
		for _, t := range toks {
			id := x.term(fulltext.Fold(t.Text))
			ids = append(ids, id)
			tf[id] += float32(fieldWeight[f])
		}
	}
	e.length = uint32(len(ids))
	e.terms = make([]uint32, 0, len(tf))
	for id := range tf {
		e.terms = append(e.terms, id)
	}
	slices.Sort(e.terms)
	e.tf = make([]float32, len(e.terms))
	for i, id := range e.terms {
		e.tf[i] = tf[id]
	}
	buf := make([]byte, 0, len(ids))
	for n, id := range ids {
		if n == lens[0] {
			e.ends[0] = uint32(len(buf))
		}
		if n == lens[0]+lens[1] {
			e.ends[1] = uint32(len(buf))
		}
		i, _ := slices.BinarySearch(e.terms, id)
		buf = binary.AppendUvarint(buf, uint64(i))
	}
	// Fields without tokens at the end of the text.
	if lens[0] >= len(ids) {
		e.ends[0] = uint32(len(buf))
	}
	if lens[0]+lens[1] >= len(ids) {
		e.ends[1] = uint32(len(buf))
	}
	e.stream = slices.Clip(buf)
	return e
}

// Filter is what a search keeps besides the words: the reader visibility
// rule (store.Visibility's Go form) and the article filters the index
// can answer.
type Filter struct {
	// PublishedOnly keeps what readers may see at Now: PUBLISHED,
	// published at or before Now, not expired, not deleted.
	PublishedOnly  bool
	Now            time.Time
	IncludeDeleted bool

	CategoryID      uint64
	TagIDs          []uint64 // any of them
	AuthorID        uint64
	Statuses        []string
	ReviewStates    []string
	PublishedAfter  *time.Time
	PublishedBefore *time.Time
	Locale          string
	ExcludeIDs      []uint64
}

func (f *Filter) allows(e *doc) bool {
	if e.deleted && (!f.IncludeDeleted || f.PublishedOnly) {
		return false
	}
	if f.PublishedOnly {
		now := f.Now.UnixMicro()
		if e.status != "PUBLISHED" || !e.hasPub || e.published > now || (e.hasExp && e.expires <= now) {
			return false
		}
	}
	if f.CategoryID != 0 && e.category != f.CategoryID {
		return false
	}
	if len(f.TagIDs) > 0 && !slices.ContainsFunc(e.tags, func(t uint64) bool { return slices.Contains(f.TagIDs, t) }) {
		return false
	}
	if f.AuthorID != 0 && !slices.Contains(e.authors, f.AuthorID) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, e.status) {
		return false
	}
	if len(f.ReviewStates) > 0 && !slices.Contains(f.ReviewStates, e.reviewState) {
		return false
	}
	if f.PublishedAfter != nil && (!e.hasPub || e.published <= f.PublishedAfter.UnixMicro()) {
		return false
	}
	if f.PublishedBefore != nil && (!e.hasPub || e.published >= f.PublishedBefore.UnixMicro()) {
		return false
	}
	if f.Locale != "" && e.locale != f.Locale {
		return false
	}
	if len(f.ExcludeIDs) > 0 && slices.Contains(f.ExcludeIDs, e.id) {
		return false
	}
	return true
}

// Cursor is a place in a result list: the next page starts after it.
type Cursor struct {
	Score float64
	ID    uint64
}

// Hit is a match on a page.
type Hit struct {
	ID    uint64
	Score float64
}

// Result is one page of matches, best first, and the number of every match.
type Result struct {
	Hits  []Hit
	More  bool
	Total int64
}

// matcher is one term of a query, resolved against the index.
type matcher struct {
	slots  *roaring.Bitmap
	terms  []uint32 // the term ids a word or prefix stands for
	phrase []uint32 // a phrase's words' term ids, in order
	idf    float64
}

// Search returns the page of first matches of q after after (nil: from
// the start) that f keeps, scored with recency measured from ref.
func (x *Index) Search(q fulltext.Query, f Filter, first int, after *Cursor, ref time.Time) Result {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inc := make([]*matcher, 0, len(q.Terms))
	var match *roaring.Bitmap
	for _, t := range q.Include() {
		m := x.resolve(t)
		inc = append(inc, m)
	}
	slices.SortFunc(inc, func(a, b *matcher) int { return int(a.slots.GetCardinality()) - int(b.slots.GetCardinality()) })
	for _, m := range inc {
		if match == nil {
			match = m.slots.Clone()
		} else {
			match.And(m.slots)
		}
	}
	if match == nil {
		return Result{}
	}
	for _, t := range q.Exclude() {
		match.AndNot(x.resolve(t).slots)
	}
	n := float64(x.all.GetCardinality())
	for _, m := range inc {
		hit := float64(m.slots.GetCardinality())
		m.idf = math.Log((n - hit + 0.5) / (hit + 0.5))
		if m.idf <= 0 {
			m.idf = 1e-6
		}
	}
	avg := 0.0
	if n > 0 {
		avg = float64(x.tokens) / n
	}
	refMicro := ref.UnixMicro()
	top := &topN{n: first + 1}
	var total int64
	it := match.Iterator()
	for it.HasNext() {
		e := x.docs[it.Next()]
		if !f.allows(e) {
			continue
		}
		total++
		if first <= 0 {
			continue
		}
		s := score(e, inc, avg)
		if e.hasPub {
			age := float64(refMicro-e.published) / 1e6 / 86400
			if age < 0 {
				age = 0
			}
			s *= 1 + 0.5/(1+age/recencyHalfDays)
		}
		if after != nil && !(s < after.Score || (s == after.Score && e.id < after.ID)) {
			continue
		}
		top.push(Hit{ID: e.id, Score: s})
	}
	hits := top.sorted()
	res := Result{Total: total}
	if len(hits) > first {
		hits, res.More = hits[:first], true
	}
	res.Hits = hits
	return res
}

// resolve finds the slots matching t: a word's postings, the union of a
// prefix's words' postings, or a phrase's words' postings intersected
// and then checked on the articles' token streams.
func (x *Index) resolve(t fulltext.Term) *matcher {
	m := &matcher{}
	words := make([]string, len(t.Words))
	for i, w := range t.Words {
		words[i] = fulltext.Fold(w)
	}
	switch {
	case t.Prefix && len(words) == 1:
		p := words[0]
		var bms []*roaring.Bitmap
		for i := sort.SearchStrings(x.sorted, p); i < len(x.sorted) && strings.HasPrefix(x.sorted[i], p); i++ {
			id := x.termID[x.sorted[i]]
			m.terms = append(m.terms, id)
			bms = append(bms, x.postings[id])
		}
		m.slots = roaring.FastOr(bms...)
	case len(words) == 1:
		m.slots = roaring.New()
		if id, ok := x.termID[words[0]]; ok && x.postings[id] != nil {
			m.terms = []uint32{id}
			m.slots = x.postings[id]
		}
	default:
		m.slots = roaring.New()
		var bms []*roaring.Bitmap
		for _, w := range words {
			id, ok := x.termID[w]
			if !ok {
				return m // a word no article has
			}
			m.phrase = append(m.phrase, id)
			if p := x.postings[id]; p != nil {
				bms = append(bms, p)
			}
		}
		if len(bms) == 0 {
			return m
		}
		cand := bms[0]
		if len(bms) > 1 {
			cand = roaring.FastAnd(bms...)
		}
		out := roaring.New()
		it := cand.Iterator()
		for it.HasNext() {
			slot := it.Next()
			if phraseFreq(x.docs[slot], m.phrase) > 0 {
				out.Add(slot)
			}
		}
		m.slots = out
	}
	return m
}

// score is bm25 of e for the included terms, as FTS5 computes it.
func score(e *doc, inc []*matcher, avg float64) float64 {
	d := float64(e.length)
	norm := bm25K1 * (1 - bm25B + bm25B*d/avg)
	s := 0.0
	for _, m := range inc {
		var freq float64
		if m.phrase != nil {
			freq = phraseFreq(e, m.phrase)
		} else {
			for _, t := range m.terms {
				if i, ok := slices.BinarySearch(e.terms, t); ok {
					freq += float64(e.tf[i])
				}
			}
		}
		s += m.idf * (freq * (bm25K1 + 1)) / (freq + norm)
	}
	return s
}

// phraseFreq counts the occurrences of the phrase (global term ids) in e,
// each weighted by its field, never across two fields. The phrase is
// looked for as the byte string of its words' varints in the token
// stream; a match counts only where a token starts (the byte before it
// ends a varint), and a varint's last byte never has its high bit set, so
// a match also ends where a token ends.
func phraseFreq(e *doc, phrase []uint32) float64 {
	var pat [fulltext.MaxPhraseLen * binary.MaxVarintLen32]byte
	p := pat[:0]
	for _, t := range phrase {
		j, ok := slices.BinarySearch(e.terms, t)
		if !ok {
			return 0
		}
		p = binary.AppendUvarint(p, uint64(j))
	}
	var freq float64
	bounds := [4]uint32{0, e.ends[0], e.ends[1], uint32(len(e.stream))}
	for f := 0; f < 3; f++ {
		seg := e.stream[bounds[f]:bounds[f+1]]
		for off := 0; ; {
			i := bytes.Index(seg[off:], p)
			if i < 0 {
				break
			}
			at := off + i
			if at == 0 || seg[at-1] < 0x80 {
				freq += fieldWeight[f]
				off = at + len(p)
			} else {
				off = at + 1
			}
		}
	}
	return freq
}

// topN keeps the n best hits: higher score first, then higher id.
type topN struct {
	n    int
	hits []Hit // a min-heap on (score, id)
}

func worse(a, b Hit) bool { return a.Score < b.Score || (a.Score == b.Score && a.ID < b.ID) }

func (t *topN) push(h Hit) {
	if len(t.hits) < t.n {
		t.hits = append(t.hits, h)
		for i := len(t.hits) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(t.hits[i], t.hits[p]) {
				break
			}
			t.hits[i], t.hits[p] = t.hits[p], t.hits[i]
			i = p
		}
		return
	}
	if !worse(t.hits[0], h) {
		return
	}
	t.hits[0] = h
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.hits) && worse(t.hits[l], t.hits[m]) {
			m = l
		}
		if r < len(t.hits) && worse(t.hits[r], t.hits[m]) {
			m = r
		}
		if m == i {
			break
		}
		t.hits[i], t.hits[m] = t.hits[m], t.hits[i]
		i = m
	}
}

func (t *topN) sorted() []Hit {
	out := slices.Clone(t.hits)
	slices.SortFunc(out, func(a, b Hit) int {
		switch {
		case worse(b, a):
			return -1
		case worse(a, b):
			return 1
		}
		return 0
	})
	return out
}

// Bytes estimates the memory the index holds: entries, token streams,
// term frequencies, the dictionary and the bitmaps.
func (x *Index) Bytes() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	for _, e := range x.docs {
		if e == nil {
			continue
		}
		n += 160 + int64(len(e.stream)) + int64(len(e.terms))*8 + int64(len(e.tags)+len(e.authors))*8
	}
	n += int64(len(x.docs)) * 8
	for i, w := range x.termStr {
		n += int64(len(w))*2 + 16*3 + 8 // the string, in termStr and the map (and sorted), the map entry
		if p := x.postings[i]; p != nil {
			n += int64(p.GetSizeInBytes()) + 48
		}
	}
	return n + int64(len(x.slotOf))*24
}
