package related

import (
	"cmp"
	"context"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Rebuild recomputes every article's suggestions from scratch, in
// memory, with the same candidates and scores Refresh would find for
// each article (relatedIndex mirrors store.CandidateIDs), and replaces the
// stored suggestions in one transaction. Seeders call it after bulk inserts;
// it also re-converges lists after many incremental refreshes. Keywords and
// links are stored by every save (Refresh, or Index in a bulk load); an
// article with no keywords stored is indexed here first, which mends
// archives imported before bulk loads indexed their articles' words.
// It returns the number of articles it considered.
// It runs inside a transaction that holds the editorial write lock.
func Rebuild(ctx context.Context, tx Store) (int, error) {
	all, err := tx.AllRelatedFeatures(ctx)
	if err != nil {
		return 0, err
	}
	for _, f := range all {
		if len(f.Keywords) > 0 {
			continue
		}
		// As AllRelatedFeatures would read them back: sorted.
		keywords, links, _, err := index(ctx, tx, f.ID)
		if err != nil {
			return 0, err
		}
		f.Keywords, f.Links = slices.Sorted(slices.Values(keywords)), slices.Sorted(slices.Values(links))
	}
	idx := newRelatedIndex(all)
	rows := idx.bestForAll(ctx)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return len(all), tx.ReplaceAllRelatedScores(ctx, rows)
}

// relatedIndex holds every article's features and the posting lists that
// candidates are drawn from.
type relatedIndex struct {
	all       []*store.RelatedFeatures
	byID      map[uint64]*store.RelatedFeatures
	bySlug    map[string]*store.RelatedFeatures
	tagDF     map[uint64]int
	keywordDF map[string]int
	// Eligible articles by tag, keyword and author, newest id first.
	byTag     map[uint64][]*store.RelatedFeatures
	byKeyword map[string][]*store.RelatedFeatures
	byAuthor  map[uint64][]*store.RelatedFeatures
	// Published articles by section, oldest first (by time, then id).
	bySection map[uint64][]*store.RelatedFeatures
	// Eligible articles by the slugs they link to.
	linkedFrom map[string][]*store.RelatedFeatures
}

func newRelatedIndex(all []*store.RelatedFeatures) *relatedIndex {
	idx := &relatedIndex{
		all: all, byID: map[uint64]*store.RelatedFeatures{}, bySlug: map[string]*store.RelatedFeatures{},
		tagDF: map[uint64]int{}, keywordDF: map[string]int{},
		byTag: map[uint64][]*store.RelatedFeatures{}, byKeyword: map[string][]*store.RelatedFeatures{},
		byAuthor: map[uint64][]*store.RelatedFeatures{}, bySection: map[uint64][]*store.RelatedFeatures{},
		linkedFrom: map[string][]*store.RelatedFeatures{},
	}
	// Newest id first for the capped posting lists.
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, func(a, b *store.RelatedFeatures) int { return cmp.Compare(b.ID, a.ID) })
	for _, f := range sorted {
		idx.byID[f.ID] = f
		idx.bySlug[f.Locale+"/"+f.Slug] = f // slugs are unique per locale
		for _, t := range f.Tags {
			idx.tagDF[t]++
		}
		for _, k := range f.Keywords {
			idx.keywordDF[k]++
		}
		if !f.Eligible {
			continue
		}
		for _, t := range f.Tags {
			idx.byTag[t] = append(idx.byTag[t], f)
		}
		for _, k := range f.Keywords {
			idx.byKeyword[k] = append(idx.byKeyword[k], f)
		}
		for _, a := range f.Authors {
			idx.byAuthor[a] = append(idx.byAuthor[a], f)
		}
		for _, l := range f.Links {
			idx.linkedFrom[l] = append(idx.linkedFrom[l], f)
		}
		if f.CategoryID != 0 && f.Status == models.StatusPublished {
			idx.bySection[f.CategoryID] = append(idx.bySection[f.CategoryID], f)
		}
	}
	for _, list := range idx.bySection {
		slices.SortFunc(list, func(a, b *store.RelatedFeatures) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	return idx
}

// scorerFor returns a scorer that scores as RefreshRelated's does, for any
// article, and gives every article dense keyword ids (in ascending keyword
// order, so sums run in the same order as over the strings).
func (idx *relatedIndex) scorerFor() *relatedScorer {
	n := 0 // as store.CorpusSize: the highest id
	for _, f := range idx.all {
		n = max(n, int(f.ID))
	}
	sc := &relatedScorer{n: n, tagDF: idx.tagDF, keywordDF: map[string]int{}}
	for k, df := range idx.keywordDF {
		if !sc.tooCommon(df) {
			sc.keywordDF[k] = df
		}
	}
	sc.prepare()
	words := slices.Sorted(maps.Keys(sc.keywordDF))
	ids := make(map[string]uint32, len(words))
	sc.keywordIDFByID = make([]float64, len(words))
	for i, w := range words {
		ids[w] = uint32(i)
		sc.keywordIDFByID[i] = sc.keywordIDF[w]
	}
	for _, f := range idx.all {
		// As RefreshRelated does: common keywords do not count.
		f.Keywords = slices.DeleteFunc(f.Keywords, func(k string) bool { _, ok := ids[k]; return !ok })
		f.KeywordIDs = make([]uint32, len(f.Keywords))
		for i, k := range f.Keywords {
			f.KeywordIDs[i] = ids[k]
		}
	}
	return sc
}

// candidates fills out (cleared first) with x's candidates, as
// store.CandidateIDs finds them, and returns it.
func (idx *relatedIndex) candidates(x *store.RelatedFeatures, sc *relatedScorer, out map[uint64]*store.RelatedFeatures) map[uint64]*store.RelatedFeatures {
	if out == nil {
		out = map[uint64]*store.RelatedFeatures{}
	}
	clear(out)
	take := func(list []*store.RelatedFeatures, limit int) {
		n := 0
		for _, f := range list {
			if n == limit {
				break
			}
			if f.ID != x.ID && store.Relatable(x, f) {
				out[f.ID] = f
				n++
			}
		}
	}
	for _, t := range x.Tags {
		take(idx.byTag[t], tagCap)
	}
	for _, k := range x.Keywords { // common ones are gone (scorerFor)
		take(idx.byKeyword[k], keywordCap)
	}
	for _, a := range x.Authors {
		take(idx.byAuthor[a], authorCap)
	}
	if list := idx.bySection[x.CategoryID]; x.CategoryID != 0 && len(list) > 0 {
		// First article published after x's time.
		after, _ := slices.BinarySearchFunc(list, x.Time, func(f *store.RelatedFeatures, t time.Time) int {
			if f.Time.After(t) {
				return 1
			}
			return -1
		})
		n := 0
		for i := after - 1; i >= 0 && n < categoryEachSide; i-- {
			if list[i].ID != x.ID && store.Relatable(x, list[i]) {
				out[list[i].ID] = list[i]
				n++
			}
		}
		n = 0
		for i := after; i < len(list) && n < categoryEachSide; i++ {
			if list[i].ID != x.ID && store.Relatable(x, list[i]) {
				out[list[i].ID] = list[i]
				n++
			}
		}
	}
	for _, sl := range x.Links {
		if f := idx.bySlug[x.Locale+"/"+sl]; f != nil && f.Eligible && f.ID != x.ID && store.Relatable(x, f) {
			out[f.ID] = f
		}
	}
	for _, f := range idx.linkedFrom[x.Slug] {
		if f.ID != x.ID && store.Relatable(x, f) {
			out[f.ID] = f
		}
	}
	return out
}

// bestForAll computes every article's suggestions, in parallel (a
// deleted article's list is never read, but RefreshRelated keeps one too).
func (idx *relatedIndex) bestForAll(ctx context.Context) []store.RelatedScore {
	sc := idx.scorerFor()
	workers := max(1, runtime.GOMAXPROCS(0))
	results := make([][]store.RelatedScore, len(idx.all))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cands := map[uint64]*store.RelatedFeatures{}
			for i := range next {
				x := idx.all[i]
				results[i] = sc.best(x, idx.candidates(x, sc, cands))
			}
		}()
	}
	for i := range idx.all {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	var rows []store.RelatedScore
	for _, r := range results {
		rows = append(rows, r...)
	}
	return rows
}
