package related

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/broadsheet/broadsheet/internal/store"
)

// relatedScorer scores pairs of articles. It is the one definition of
// relatedness, used by RefreshRelated, RebuildRelated and the editors' view.
type relatedScorer struct {
	n         int
	tagDF     map[uint64]int
	keywordDF map[string]int
	tagNames  map[uint64]string // for explanations
	// Inverse document frequencies, computed once by prepare.
	tagIDF     map[uint64]float64
	keywordIDF map[string]float64
	// keywordIDFByID is keywordIDF by RelatedFeatures.KeywordIDs.
	keywordIDFByID []float64
}

// prepare computes the inverse document frequencies of the known tags and
// keywords; score reads them concurrently afterwards.
func (sc *relatedScorer) prepare() *relatedScorer {
	sc.tagIDF = make(map[uint64]float64, len(sc.tagDF))
	for t, df := range sc.tagDF {
		sc.tagIDF[t] = sc.idf(df)
	}
	sc.keywordIDF = make(map[string]float64, len(sc.keywordDF))
	for k, df := range sc.keywordDF {
		sc.keywordIDF[k] = sc.idf(df)
	}
	return sc
}

func (sc *relatedScorer) idf(df int) float64 {
	if sc.n <= 1 {
		return 1
	}
	return math.Log1p(float64(sc.n)/float64(max(df, 1))) / math.Log1p(float64(sc.n))
}

// commonAbove is the document frequency above which a keyword is common.
func (sc *relatedScorer) commonAbove() int { return max(keywordMinCommon, sc.n/keywordCommonDiv) }

// tooCommon reports whether a keyword in df articles is too common to say
// anything (in more than max(50, N/100) articles): it is ignored, like a
// stopword, both to find candidates and to score them.
func (sc *relatedScorer) tooCommon(df int) bool { return df > sc.commonAbove() }

// score rates y as related to x; explain adds the reasons, strongest first.
// Sums run over shared tags and keywords in ascending order, so every path
// computes bit-identical scores.
func (sc *relatedScorer) score(x, y *store.RelatedFeatures, explain bool) (float64, []Reason) {
	var reasons []Reason
	points := 0.0
	add := func(kind ReasonKind, p float64, detail func() string) {
		points += p
		if explain {
			reasons = append(reasons, Reason{Kind: kind, Points: p, Detail: detail()})
		}
	}
	if slices.Contains(x.Links, y.Slug) {
		add(ReasonLinked, pointsLinked, func() string { return "the body links to /articles/" + y.Slug })
	}
	if slices.Contains(y.Links, x.Slug) {
		add(ReasonLinkedBack, pointsLinkedBack, func() string { return "its body links to /articles/" + x.Slug })
	}
	if p, n := sc.sharedTags(x.Tags, y.Tags); n > 0 {
		add(ReasonSharedTags, p, func() string {
			tags := intersect(x.Tags, y.Tags)
			names := make([]string, len(tags))
			for i, t := range tags {
				names[i] = sc.tagNames[t]
				if names[i] == "" {
					names[i] = fmt.Sprintf("tag %d", t)
				}
			}
			return "shared tags: " + strings.Join(names, ", ")
		})
	}
	if p, n := sc.sharedKeywords(x, y); n > 0 {
		add(ReasonSimilarText, min(p, maxTextPoints), func() string {
			return "shared words: " + strings.Join(intersect(x.Keywords, y.Keywords), ", ")
		})
	}
	if x.CategoryID != 0 && x.CategoryID == y.CategoryID {
		add(ReasonSameSection, pointsSection, func() string { return "same section" })
	}
	if n := countShared(x.Authors, y.Authors); n > 0 {
		add(ReasonSharedAuthors, min(float64(n)*pointsPerAuthor, maxAuthorPoints), func() string {
			return fmt.Sprintf("%d shared author(s)", n)
		})
	}
	if points == 0 {
		return 0, nil
	}
	days := math.Abs(x.Time.Sub(y.Time).Hours()) / 24
	factor := 1 + closenessBoost/(1+days/closenessDays)
	if explain {
		slices.SortStableFunc(reasons, func(a, b Reason) int { return cmp.Compare(b.Points, a.Points) })
		reasons = append(reasons, Reason{Kind: ReasonCloseInTime, Points: factor, Detail: fmt.Sprintf("published %.0f days apart", days)})
	}
	return points * factor, reasons
}

// sharedTags returns the points of the tags in both ascending lists.
func (sc *relatedScorer) sharedTags(a, b []uint64) (float64, int) {
	return sumShared(a, b, func(id uint64) float64 { return pointsPerTag * sc.tagIDF[id] })
}

// eachShared walks two ascending lists once and calls f for every element
// in both: the one merge walk behind sumShared, countShared and intersect.
func eachShared[T cmp.Ordered](a, b []T, f func(T)) {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			f(a[i])
			i++
			j++
		}
	}
}

// sumShared sums weight over the ids in both ascending lists; it also
// returns how many there were.
func sumShared[ID cmp.Ordered](a, b []ID, weight func(ID) float64) (float64, int) {
	p, n := 0.0, 0
	eachShared(a, b, func(id ID) { p += weight(id); n++ })
	return p, n
}

// sharedKeywords returns the summed idf of the keywords x and y share.
func (sc *relatedScorer) sharedKeywords(x, y *store.RelatedFeatures) (float64, int) {
	if x.KeywordIDs != nil && y.KeywordIDs != nil {
		return sumShared(x.KeywordIDs, y.KeywordIDs, func(id uint32) float64 { return sc.keywordIDFByID[id] })
	}
	p, n := 0.0, 0
	for _, k := range intersect(x.Keywords, y.Keywords) {
		p += sc.keywordIDF[k]
		n++
	}
	return p, n
}

// best returns x's top keepSuggestions among cands, best first (score,
// then newer id), as rows to store.
func (sc *relatedScorer) best(x *store.RelatedFeatures, cands map[uint64]*store.RelatedFeatures) []store.RelatedScore {
	top := make([]store.RelatedScore, 0, keepSuggestions+1)
	better := func(a, b store.RelatedScore) bool {
		return a.Score > b.Score || (a.Score == b.Score && a.CandidateID > b.CandidateID)
	}
	for _, y := range cands {
		if y.ID == x.ID || !y.Eligible || !store.Relatable(x, y) {
			continue
		}
		score, _ := sc.score(x, y, false)
		if score <= 0 {
			continue
		}
		r := store.RelatedScore{ArticleID: x.ID, CandidateID: y.ID, Score: score}
		if len(top) == keepSuggestions && !better(r, top[len(top)-1]) {
			continue
		}
		i := len(top)
		for i > 0 && better(r, top[i-1]) {
			i--
		}
		top = slices.Insert(top, i, r)
		if len(top) > keepSuggestions {
			top = top[:keepSuggestions]
		}
	}
	return top
}

// countShared counts the elements of two ascending lists in both.
func countShared(a, b []uint64) int {
	n := 0
	eachShared(a, b, func(uint64) { n++ })
	return n
}

// intersect returns the common elements of two ascending lists.
func intersect[T uint64 | string](a, b []T) []T {
	var out []T
	eachShared(a, b, func(v T) { out = append(out, v) })
	return out
}
