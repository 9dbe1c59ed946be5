// Package related finds related articles: it scores pairs of articles by
// shared links, tags, words, section, authors and closeness in time, keeps
// each article's best suggestions up to date as articles change (Refresh),
// recomputes them all in memory (Rebuild), and explains a stored
// suggestion (Explain). The content service calls it inside its
// transactions; readers' visibility is applied when lists are read.
package related

import (
	"context"
	"slices"

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

// Index rewrites an article's own part of what suggestions are computed
// from (its keywords and the articles it links to), and touches the picks
// that name it, without scoring anything: a bulk load indexes each article
// as it saves it and scores them all once at its end (Rebuild), which
// reads those keywords and links. found is false when the article is gone.
func Index(ctx context.Context, st Store, id uint64) (found bool, err error) {
	_, _, found, err = index(ctx, st, id)
	return found, err
}

// index is Index, returning the keywords and links it stored.
func index(ctx context.Context, st Store, id uint64) (keywords, links []string, found bool, err error) {
	if err := st.TouchPicksOf(ctx, id); err != nil {
		return nil, nil, false, err
	}
	a, err := st.ArticleWithText(ctx, id)
	if err != nil || a == nil {
		return nil, nil, false, err
	}
	keywords = fulltext.Keywords(a.Title, a.Subtitle, fulltext.BodyKeywords(a.Text))
	links = slices.DeleteFunc(LinkedSlugs(a.Body), func(sl string) bool { return sl == a.Slug })
	return keywords, links, true, st.ReplaceArticleIndex(ctx, id, keywords, links)
}

// Refresh recomputes an article's keywords, links and suggestions and
// offers it to the suggestion lists of the articles that share something
// with it (or withdraws it from every list when it may no longer be
// suggested). It runs inside a transaction that holds the editorial write
// lock.
func Refresh(ctx context.Context, st Store, id uint64) error {
	found, err := Index(ctx, st, id)
	if err != nil {
		return err
	}
	if !found { // deleted for good: forget its suggestions both ways
		if err := st.ReplaceRelatedScores(ctx, id, nil); err != nil {
			return err
		}
		return st.RemoveFromRelatedScores(ctx, id)
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
