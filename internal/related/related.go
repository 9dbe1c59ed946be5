// Package related finds related articles: it scores pairs of articles by
// shared links, tags, words, section, authors and closeness in time, keeps
// each article's best suggestions up to date as articles change (Refresh),
// recomputes them all in memory (Rebuild), and explains a stored
// suggestion (Explain). The content service calls it inside its
// transactions; readers' visibility is applied when lists are read.
package related

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/fulltext"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// Related articles: the editor's picks first, then automatic suggestions.
//
// Suggestions are precomputed: every write that can change them calls
// RefreshRelated (CreateArticle does; the editorial write paths — update,
// tags, publish, unpublish, delete — must too), which re-reads the article's
// keywords and internal links, scores it against the articles that share
// something with it, stores its best keepSuggestions, and offers it to those
// articles' lists in turn. Reading `related` is then one statement for a
// whole page of articles (store.RelatedByArticleIDs), with the viewer's
// visibility applied at read time, so a draft or scheduled article never
// reaches a reader however stale a list is. RebuildRelated recomputes every
// list from scratch (seeders use it); for the same data it gives the same
// lists as refreshing each article in turn, before the "offer to others"
// step, which depends on history.

// Limits of related lists.
const (
	// Max caps related(first:), relatedCandidates(first:) and picks.
	Max = 10
	// Default applies when related(first:) is not given.
	Default = 5
	// keepSuggestions is how many suggestions are stored per article:
	// Max plus slack for suggestions a reader may not see yet.
	keepSuggestions = 12
)

// Where candidates come from: the newest eligible articles sharing a tag,
// a keyword or an author (capped per tag/keyword/author), the published
// articles of the same section nearest in time, and internal links both ways.
const (
	tagCap           = 100
	keywordCap       = 100
	authorCap        = 30
	categoryEachSide = 15
	// A keyword in more than max(50, N/100) articles is too common to say
	// anything: it neither finds nor scores candidates.
	keywordMinCommon = 50
	keywordCommonDiv = 100
)

// Points of each kind of evidence. Tag and word points are weighted by
// normalised inverse document frequency, ln(1+N/df)/ln(1+N) in (0, 1]: a
// tag on two articles in a hundred thousand counts about 0.94, one on 1.5%
// of them about 0.37.
const (
	pointsLinked     = 6.0 // the article's body links to the candidate
	pointsLinkedBack = 3.0 // the candidate's body links to the article
	pointsPerTag     = 3.0 // × idf, per shared tag
	maxTextPoints    = 3.0 // Σ idf over shared keywords, capped
	pointsSection    = 1.0
	pointsPerAuthor  = 1.0
	maxAuthorPoints  = 2.0
	// The sum is multiplied by 1 + 0.5/(1 + days apart/30).
	closenessBoost = 0.5
	closenessDays  = 30.0
)

// ReasonKind names a kind of evidence (the RelatedReasonKind enum).
type ReasonKind string

// The kinds of evidence.
const (
	ReasonLinked        ReasonKind = "LINKED"
	ReasonLinkedBack    ReasonKind = "LINKED_BACK"
	ReasonSharedTags    ReasonKind = "SHARED_TAGS"
	ReasonSimilarText   ReasonKind = "SIMILAR_TEXT"
	ReasonSameSection   ReasonKind = "SAME_SECTION"
	ReasonSharedAuthors ReasonKind = "SHARED_AUTHORS"
	ReasonCloseInTime   ReasonKind = "CLOSE_IN_TIME"
)

// Reason is one part of a suggestion's score.
type Reason struct {
	Kind   ReasonKind
	Detail string
	Points float64
}

// Candidate is a suggestion as editors see it.
type Candidate struct {
	Article *models.Article
	Score   float64
	Picked  bool
	Reasons []Reason
}

// Limit validates related(first:) (nil means the default).
func Limit(first *int) (int, error) {
	if first == nil {
		return Default, nil
	}
	if *first < 0 || *first > Max {
		return 0, apperr.Invalidf("first", "first must be between 0 and %d (got %d)", Max, *first)
	}
	return *first, nil
}

// Explain recomputes, from the current data, why each of ids is suggested
// for the article articleID; ids that no longer qualify are left out.
func Explain(ctx context.Context, st Store, articleID uint64, ids []uint64) (map[uint64][]Reason, error) {
	feats, err := st.RelatedFeaturesOf(ctx, []uint64{articleID}, store.FeatureFilter{})
	if err != nil {
		return nil, err
	}
	x := feats[articleID]
	if x == nil {
		return nil, nil
	}
	sc, cands, err := scorer(ctx, st, x, ids, true)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64][]Reason, len(cands))
	for id, y := range cands {
		_, out[id] = sc.score(x, y, true)
	}
	return out, nil
}

// Refresh recomputes an article's keywords, links and suggestions and
// offers it to the suggestion lists of the articles that share something
// with it (or withdraws it from every list when it may no longer be
// suggested). It runs inside a transaction that holds the editorial write
// lock.
func Refresh(ctx context.Context, st Store, id uint64) error {
	if err := st.TouchPicksOf(ctx, id); err != nil {
		return err
	}
	a, err := st.ArticleWithText(ctx, id)
	if err != nil {
		return err
	}
	if a == nil { // deleted for good: forget its suggestions both ways
		if err := st.ReplaceRelatedScores(ctx, id, nil); err != nil {
			return err
		}
		return st.RemoveFromRelatedScores(ctx, id)
	}
	keywords := fulltext.Keywords(a.Title, a.Subtitle, fulltext.BodyKeywords(a.Text))
	links := slices.DeleteFunc(LinkedSlugs(a.Body), func(sl string) bool { return sl == a.Slug })
	if err := st.ReplaceArticleIndex(ctx, id, keywords, links); err != nil {
		return err
	}
	feats, err := st.RelatedFeaturesOf(ctx, []uint64{id}, store.FeatureFilter{})
	if err != nil {
		return err
	}
	x := feats[id]
	sc, cands, err := scorer(ctx, st, x, nil, false)
	if err != nil {
		return err
	}
	if err := st.ReplaceRelatedScores(ctx, id, sc.best(x, cands)); err != nil {
		return err
	}
	// Offer the article to its candidates' lists.
	if err := st.RemoveFromRelatedScores(ctx, id); err != nil {
		return err
	}
	if !x.Eligible || len(cands) == 0 {
		return nil
	}
	ids := make([]uint64, 0, len(cands))
	for cid := range cands {
		ids = append(ids, cid)
	}
	slices.Sort(ids)
	floors, err := st.RelatedScoreFloors(ctx, ids)
	if err != nil {
		return err
	}
	var offers []store.RelatedScore
	var touched []uint64
	for _, cid := range ids {
		score, _ := sc.score(cands[cid], x, false)
		f := floors[cid]
		if score > 0 && (f.N < keepSuggestions || score > f.Min) {
			offers = append(offers, store.RelatedScore{ArticleID: cid, CandidateID: id, Score: score})
			if f.N >= keepSuggestions {
				touched = append(touched, cid)
			}
		}
	}
	if err := st.UpsertRelatedScores(ctx, offers); err != nil {
		return err
	}
	return st.TrimRelatedScores(ctx, touched, keepSuggestions)
}

// scorer gathers what scoring x needs: corpus statistics for x's tags and
// keywords, and the features of its candidates (found by the store, or the
// given ids) restricted to what they can share with x. It drops x's common
// keywords (see tooCommon) from x.Keywords.
func scorer(ctx context.Context, st Store, x *store.RelatedFeatures, ids []uint64, explain bool) (*relatedScorer, map[uint64]*store.RelatedFeatures, error) {
	n, err := st.CorpusSize(ctx)
	if err != nil {
		return nil, nil, err
	}
	sc := &relatedScorer{n: n}
	if sc.tagDF, err = st.TagFrequencies(ctx, x.Tags); err != nil {
		return nil, nil, err
	}
	if sc.keywordDF, err = st.KeywordFrequencies(ctx, x.Keywords, sc.commonAbove()); err != nil {
		return nil, nil, err
	}
	x.Keywords = slices.DeleteFunc(x.Keywords, func(k string) bool { return sc.tooCommon(sc.keywordDF[k]) })
	sc.prepare()
	if ids == nil {
		q := store.CandidateQuery{
			Article: x, Tags: x.Tags, Keywords: x.Keywords, Authors: x.Authors, LinkSlugs: x.Links,
			TagCap: tagCap, KeywordCap: keywordCap, AuthorCap: authorCap, CategoryEachSide: categoryEachSide,
		}
		if ids, err = st.CandidateIDs(ctx, q); err != nil {
			return nil, nil, err
		}
	}
	cands, err := st.RelatedFeaturesOf(ctx, ids, store.FeatureFilter{
		Restricted: true, Tags: x.Tags, Authors: x.Authors, Keywords: x.Keywords, LinkTo: x.Slug,
	})
	if err != nil {
		return nil, nil, err
	}
	if explain && len(x.Tags) > 0 {
		tags, err := st.TagsByArticleIDs(ctx, []uint64{x.ID})
		if err != nil {
			return nil, nil, err
		}
		sc.tagNames = map[uint64]string{}
		for _, t := range tags[x.ID] {
			sc.tagNames[t.ID] = t.Name
		}
	}
	return sc, cands, nil
}

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

// LinkedSlugs returns the slugs of the articles a Markdown body links to
// (article:<slug>, or /articles/<slug> relative or on any host), in order,
// without repeats.
func LinkedSlugs(body string) []string {
	src := []byte(body)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	var out []string
	seen := map[string]bool{}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest string
		switch l := n.(type) {
		case *ast.Link:
			dest = string(l.Destination)
		case *ast.AutoLink:
			dest = string(l.URL(src))
		default:
			return ast.WalkContinue, nil
		}
		if sl := articleSlug(dest); sl != "" && !seen[sl] {
			seen[sl] = true
			out = append(out, sl)
		}
		return ast.WalkContinue, nil
	})
	return out
}

// articleSlug returns the slug of an article URL, or "".
func articleSlug(dest string) string {
	if slug, ok := strings.CutPrefix(strings.TrimSpace(dest), "article:"); ok {
		if models.ValidSlug(slug) {
			return slug
		}
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	rest, ok := strings.CutPrefix(u.Path, "/articles/")
	if !ok {
		return ""
	}
	rest = strings.TrimSuffix(rest, "/")
	if !models.ValidSlug(rest) {
		return ""
	}
	return rest
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
