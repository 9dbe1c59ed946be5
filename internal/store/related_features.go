package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/models"
)

// ---- What suggestions are computed from ----

// ArticleText is an article with its plain-text body.
type ArticleText struct {
	models.Article
	// Text is the plain-text body (models.Article.BodyText is write-only).
	Text string `gorm:"column:search_text"`
}

// ArticleWithText loads an article (even deleted) with its plain-text
// body, or nil.
func (s *Store) ArticleWithText(ctx context.Context, id uint64) (*ArticleText, error) {
	var a ArticleText
	err := s.q(ctx).Table("articles").Select(s.articleColumns(ctx, Visibility{})+", articles.body_text AS search_text").Where("id = ?", id).Take(&a).Error
	r, err := notFound(&a, err)
	if err != nil {
		return nil, fmt.Errorf("load article %d with text: %w", id, err)
	}
	return r, nil
}

// ReplaceArticleIndex replaces an article's keywords and internal link
// targets (slugs).
func (s *Store) ReplaceArticleIndex(ctx context.Context, articleID uint64, keywords, linkSlugs []string) error {
	q := s.q(ctx)
	if err := q.Where("article_id = ?", articleID).Delete(&articleKeyword{}).Error; err != nil {
		return fmt.Errorf("clear keywords of article %d: %w", articleID, err)
	}
	if len(keywords) > 0 {
		rows := make([]articleKeyword, len(keywords))
		for i, k := range keywords {
			rows[i] = articleKeyword{ArticleID: articleID, Keyword: k}
		}
		if err := q.Create(&rows).Error; err != nil {
			return fmt.Errorf("store keywords of article %d: %w", articleID, err)
		}
	}
	if err := q.Where("article_id = ?", articleID).Delete(&articleLink{}).Error; err != nil {
		return fmt.Errorf("clear links of article %d: %w", articleID, err)
	}
	if len(linkSlugs) > 0 {
		rows := make([]articleLink, len(linkSlugs))
		for i, sl := range linkSlugs {
			rows[i] = articleLink{ArticleID: articleID, TargetSlug: sl}
		}
		if err := q.Create(&rows).Error; err != nil {
			return fmt.Errorf("store links of article %d: %w", articleID, err)
		}
	}
	return nil
}

// ArticleIndexRows are keywords and links of many articles, for seeders.
type ArticleIndexRows struct {
	Keywords map[uint64][]string
	Links    map[uint64][]string
}

// InsertArticleIndex inserts keywords and links of new articles in batches.
func (s *Store) InsertArticleIndex(ctx context.Context, rows ArticleIndexRows) error {
	var kws []articleKeyword
	for id, ks := range rows.Keywords {
		for _, k := range ks {
			kws = append(kws, articleKeyword{ArticleID: id, Keyword: k})
		}
	}
	var links []articleLink
	for id, ls := range rows.Links {
		for _, l := range ls {
			links = append(links, articleLink{ArticleID: id, TargetSlug: l})
		}
	}
	if len(kws) > 0 {
		if err := s.q(ctx).CreateInBatches(kws, 2000).Error; err != nil {
			return fmt.Errorf("insert article keywords: %w", err)
		}
	}
	if len(links) > 0 {
		if err := s.q(ctx).CreateInBatches(links, 2000).Error; err != nil {
			return fmt.Errorf("insert article links: %w", err)
		}
	}
	return nil
}

// RelatedFeatures is what related-article scoring knows of an article.
// Lists are sorted ascending.
type RelatedFeatures struct {
	ID         uint64
	Slug       string
	Status     models.ArticleStatus
	CategoryID uint64 // 0: none
	// Time is the publication time, or the creation time when unpublished.
	Time     time.Time
	Eligible bool
	// Locale and Group (translation group, 0: none) keep suggestions in
	// the article's language and out of its own translations (Relatable).
	Locale   string
	Group    uint64
	Tags     []uint64
	Authors  []uint64
	Keywords []string
	Links    []string // slugs the body links to
	// KeywordIDs, when set (by full rebuilds, in memory), are dense ids of
	// Keywords in the same order, for faster comparisons.
	KeywordIDs []uint32
}

type featureRow struct {
	ID          uint64
	Slug        string
	Status      models.ArticleStatus
	CategoryID  *uint64
	PublishedAt *time.Time
	CreatedAt   time.Time
	DeletedAt   *time.Time
	Locale      string
	Group       uint64 `gorm:"column:translation_group"`
}

func (r featureRow) features() *RelatedFeatures {
	f := &RelatedFeatures{ID: r.ID, Slug: r.Slug, Status: r.Status, Time: r.CreatedAt.UTC(), Eligible: Eligible(r.Status, r.PublishedAt, r.DeletedAt),
		Locale: r.Locale, Group: r.Group}
	if r.PublishedAt != nil {
		f.Time = r.PublishedAt.UTC()
	}
	if r.CategoryID != nil {
		f.CategoryID = *r.CategoryID
	}
	return f
}

const featureColumns = "id, slug, status, category_id, published_at, created_at, deleted_at, locale, translation_group"

// FeatureFilter restricts the loaded link lists to what a comparison with
// one article needs: nil loads everything.
type FeatureFilter struct {
	Tags     []uint64
	Authors  []uint64
	Keywords []string
	// LinkTo keeps only links to this slug.
	LinkTo string
	// Restricted says the filter applies (an empty list then loads nothing).
	Restricted bool
}

// RelatedFeaturesOf loads the features of ids (missing ids are absent).
func (s *Store) RelatedFeaturesOf(ctx context.Context, ids []uint64, ff FeatureFilter) (map[uint64]*RelatedFeatures, error) {
	out := make(map[uint64]*RelatedFeatures, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []featureRow
	err := s.q(ctx).Table(s.searchEngine().articlesBy("articles", ixArticlesSearch)).Select(featureColumns).Where("id IN ?", ids).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load related features: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.features()
	}
	type pair struct {
		ArticleID uint64
		V         uint64
	}
	type spair struct {
		ArticleID uint64
		V         string
	}
	if !ff.Restricted || len(ff.Tags) > 0 {
		var ps []pair
		q := s.q(ctx).Table("article_tags").Select("article_id, tag_id AS v").Where("article_id IN ?", ids)
		if ff.Restricted {
			q = q.Where("tag_id IN ?", ff.Tags)
		}
		if err := q.Order("article_id, tag_id").Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("load related features (tags): %w", err)
		}
		for _, p := range ps {
			if f := out[p.ArticleID]; f != nil {
				f.Tags = append(f.Tags, p.V)
			}
		}
	}
	if !ff.Restricted || len(ff.Authors) > 0 {
		var ps []pair
		q := s.q(ctx).Table("article_authors").Select("article_id, author_id AS v").Where("article_id IN ?", ids)
		if ff.Restricted {
			q = q.Where("author_id IN ?", ff.Authors)
		}
		if err := q.Order("article_id, author_id").Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("load related features (authors): %w", err)
		}
		for _, p := range ps {
			if f := out[p.ArticleID]; f != nil {
				f.Authors = append(f.Authors, p.V)
			}
		}
	}
	if !ff.Restricted || len(ff.Keywords) > 0 {
		var ps []spair
		q := s.q(ctx).Table("article_keywords").Select("article_id, keyword AS v").Where("article_id IN ?", ids)
		if ff.Restricted {
			q = q.Where("keyword IN ?", ff.Keywords)
		}
		if err := q.Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("load related features (keywords): %w", err)
		}
		for _, p := range ps {
			if f := out[p.ArticleID]; f != nil {
				f.Keywords = append(f.Keywords, p.V)
			}
		}
	}
	if !ff.Restricted || ff.LinkTo != "" {
		var ps []spair
		q := s.q(ctx).Table("article_links").Select("article_id, target_slug AS v").Where("article_id IN ?", ids)
		if ff.Restricted {
			q = q.Where("target_slug = ?", ff.LinkTo)
		}
		if err := q.Find(&ps).Error; err != nil {
			return nil, fmt.Errorf("load related features (links): %w", err)
		}
		for _, p := range ps {
			if f := out[p.ArticleID]; f != nil {
				f.Links = append(f.Links, p.V)
			}
		}
	}
	for _, f := range out {
		slices.Sort(f.Keywords) // the database's order depends on collation
		slices.Sort(f.Links)
	}
	return out, nil
}

// CorpusSize returns the N of inverse document frequency: the highest
// article id, i.e. about how many articles were ever created (an index
// lookup, where COUNT(*) scans a whole index on InnoDB).
func (s *Store) CorpusSize(ctx context.Context) (int, error) {
	var n *uint64
	if err := s.q(ctx).Table("articles").Select("MAX(id)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return int(*n), nil
}

// TagFrequencies returns how many articles carry each of tagIDs.
func (s *Store) TagFrequencies(ctx context.Context, tagIDs []uint64) (map[uint64]int, error) {
	out := map[uint64]int{}
	if len(tagIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		TagID uint64
		N     int
	}
	if err := s.q(ctx).Table("article_tags").Select("tag_id, COUNT(*) AS n").Where("tag_id IN ?", tagIDs).Group("tag_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("count tag frequencies: %w", err)
	}
	for _, r := range rows {
		out[r.TagID] = r.N
	}
	return out, nil
}

// KeywordFrequencies returns how many articles have each of keywords,
// counting no further than limit+1: a keyword in more than limit articles
// reports limit+1. Counting a word in every article would cost a scan of
// its whole posting list; callers treat such words as too common anyway.
func (s *Store) KeywordFrequencies(ctx context.Context, keywords []string, limit int) (map[string]int, error) {
	out := map[string]int{}
	if len(keywords) == 0 {
		return out, nil
	}
	parts := make([]string, len(keywords))
	args := make([]any, 0, 3*len(keywords))
	for i, k := range keywords {
		parts[i] = fmt.Sprintf("SELECT ? AS keyword, COUNT(*) AS n FROM (SELECT 1 AS one FROM article_keywords WHERE keyword = ? LIMIT ?) AS k%d", i)
		args = append(args, k, k, limit+1)
	}
	var rows []struct {
		Keyword string
		N       int
	}
	if err := s.q(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count keyword frequencies: %w", err)
	}
	for _, r := range rows {
		out[r.Keyword] = r.N
	}
	return out, nil
}

// CandidateQuery says where to look for an article's suggestions. Each
// source is capped (newest ids first) so that a common tag costs no more
// than a rare one; RelatedIndex (the in-memory twin for full rebuilds)
// applies the same caps in the same order.
type CandidateQuery struct {
	Article    *RelatedFeatures
	Tags       []uint64
	Keywords   []string
	Authors    []uint64
	LinkSlugs  []string
	TagCap     int
	KeywordCap int
	AuthorCap  int
	// CategoryEachSide is how many published articles of the same section
	// to take on each side of the article's time.
	CategoryEachSide int
}

// CandidateIDs returns the ids of the eligible articles sharing something
// with q.Article, in one statement (a UNION of capped lookups).
func (s *Store) CandidateIDs(ctx context.Context, q CandidateQuery) ([]uint64, error) {
	x := q.Article
	eng := s.searchEngine()
	eligible := "JOIN " + eng.articlesBy("a", ixArticlesSearch) + " ON a.id = l.article_id"
	section := eng.articlesBy("a", ixArticlesSection)
	var parts []string
	var args []any
	add := func(sql string, a ...any) {
		parts = append(parts, fmt.Sprintf("SELECT id FROM (%s) AS g%d", sql, len(parts)))
		args = append(args, a...)
	}
	// Every source keeps to the candidates Relatable allows (same locale,
	// not of the article's own translation group).
	rel := " AND " + relatableSQL
	rx := []any{x.Locale, x.Group}
	for _, t := range q.Tags {
		add("SELECT l.article_id AS id FROM article_tags l "+eligible+" WHERE l.tag_id = ? AND l.article_id <> ? AND "+eligibleSQL+rel+" ORDER BY l.article_id DESC LIMIT ?", t, x.ID, rx[0], rx[1], q.TagCap)
	}
	for _, k := range q.Keywords {
		add("SELECT l.article_id AS id FROM article_keywords l "+eligible+" WHERE l.keyword = ? AND l.article_id <> ? AND "+eligibleSQL+rel+" ORDER BY l.article_id DESC LIMIT ?", k, x.ID, rx[0], rx[1], q.KeywordCap)
	}
	for _, au := range q.Authors {
		add("SELECT l.article_id AS id FROM article_authors l "+eligible+" WHERE l.author_id = ? AND l.article_id <> ? AND "+eligibleSQL+rel+" ORDER BY l.article_id DESC LIMIT ?", au, x.ID, rx[0], rx[1], q.AuthorCap)
	}
	if x.CategoryID != 0 && q.CategoryEachSide > 0 {
		const published = "a.category_id = ? AND a.id <> ? AND " + sectionPeerSQL + " AND " + relatableSQL
		add("SELECT a.id FROM "+section+" WHERE "+published+" AND a.published_at <= ? ORDER BY a.published_at DESC, a.id DESC LIMIT ?", x.CategoryID, x.ID, rx[0], rx[1], x.Time, q.CategoryEachSide)
		add("SELECT a.id FROM "+section+" WHERE "+published+" AND a.published_at > ? ORDER BY a.published_at ASC, a.id ASC LIMIT ?", x.CategoryID, x.ID, rx[0], rx[1], x.Time, q.CategoryEachSide)
	}
	if len(q.LinkSlugs) > 0 {
		add("SELECT a.id FROM "+s.bySlug("a")+" WHERE a.slug IN ? AND a.id <> ? AND "+eligibleSQL+rel, q.LinkSlugs, x.ID, rx[0], rx[1])
	}
	add("SELECT l.article_id AS id FROM article_links l "+eligible+" WHERE l.target_slug = ? AND l.article_id <> ? AND "+eligibleSQL+rel, x.Slug, x.ID, rx[0], rx[1])

	var ids []uint64
	if err := s.q(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("find related candidates of article %d: %w", x.ID, err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}
