package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// Related articles. The content service decides what is related; the store
// keeps the editor's picks (article_related), the precomputed suggestions
// (article_related_candidates), what suggestions are computed from
// (article_keywords, article_links, plus tags, authors and sections), and
// answers the batch read that `related` on a whole page costs: one statement.

// Tables of migration 00003.
type relatedPick struct {
	ArticleID uint64 `gorm:"primaryKey"`
	RelatedID uint64 `gorm:"primaryKey"`
	Position  int
}

func (relatedPick) TableName() string { return "article_related" }

// CacheArticleID names the article whose answers a write of the row
// changes (httpcache.ArticleListRow).
func (p relatedPick) CacheArticleID() uint64 { return p.ArticleID }

// RelatedScore is a precomputed suggestion: CandidateID for ArticleID.
type RelatedScore struct {
	ArticleID   uint64 `gorm:"primaryKey"`
	CandidateID uint64 `gorm:"primaryKey"`
	Score       float64
}

// TableName names the suggestions table.
func (RelatedScore) TableName() string { return "article_related_candidates" }

// CacheArticleID names the article whose answers a write of the row
// changes (httpcache.ArticleListRow).
func (r RelatedScore) CacheArticleID() uint64 { return r.ArticleID }

type articleKeyword struct {
	ArticleID uint64 `gorm:"primaryKey"`
	Keyword   string `gorm:"primaryKey"`
}

func (articleKeyword) TableName() string { return "article_keywords" }

type articleLink struct {
	ArticleID  uint64 `gorm:"primaryKey"`
	TargetSlug string `gorm:"primaryKey"`
}

func (articleLink) TableName() string { return "article_links" }

// ---- Editor's picks ----

// SetRelatedPicks replaces an article's picks with ids, in order.
func (s *Store) SetRelatedPicks(ctx context.Context, articleID uint64, ids []uint64) error {
	q := s.q(ctx)
	if err := q.Where("article_id = ?", articleID).Delete(&relatedPick{}).Error; err != nil {
		return fmt.Errorf("clear related picks of article %d: %w", articleID, err)
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]relatedPick, len(ids))
	for i, id := range ids {
		rows[i] = relatedPick{ArticleID: articleID, RelatedID: id, Position: i}
	}
	return translate(fmt.Sprintf("set related picks of article %d", articleID), q.Create(&rows).Error)
}

// TouchPicksOf rewrites, unchanged, the picks that name articleID, so
// that the answers of the articles that picked it are purged from the
// caches (the write names them; see httpcache.ArticleListRow): whether
// their related lists show it depends on its visibility, which a save of
// it may have changed.
func (s *Store) TouchPicksOf(ctx context.Context, articleID uint64) error {
	var rows []relatedPick
	if err := s.q(ctx).Where("related_id = ?", articleID).Find(&rows).Error; err != nil {
		return fmt.Errorf("find the picks of article %d: %w", articleID, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.q(ctx).Save(&rows).Error; err != nil {
		return fmt.Errorf("touch the picks of article %d: %w", articleID, err)
	}
	return nil
}

// RelatedPicks returns an article's picks that pass v, in the editor's order.
func (s *Store) RelatedPicks(ctx context.Context, v Visibility, articleID uint64) ([]*models.Article, error) {
	var rows []*models.Article
	err := applyVisibility(s.q(ctx).Table("articles"), "articles", v).
		Select(s.articleColumns(ctx)).
		Joins("JOIN article_related p ON p.related_id = articles.id").
		Where("p.article_id = ?", articleID).
		Order("p.position, p.related_id").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load related picks of article %d: %w", articleID, err)
	}
	return rows, nil
}

// RelatedPickIDs returns the ids of an article's picks, in order,
// regardless of visibility.
func (s *Store) RelatedPickIDs(ctx context.Context, articleID uint64) ([]uint64, error) {
	var ids []uint64
	err := s.q(ctx).Model(&relatedPick{}).Where("article_id = ?", articleID).Order("position, related_id").Pluck("related_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("load related pick ids of article %d: %w", articleID, err)
	}
	return ids, nil
}

// ExistingArticleIDs returns which of ids are articles that are not deleted.
func (s *Store) ExistingArticleIDs(ctx context.Context, ids []uint64) (map[uint64]bool, error) {
	var found []uint64
	if err := s.q(ctx).Table("articles").Where("id IN ? AND deleted_at IS NULL", ids).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("check article ids: %w", err)
	}
	out := make(map[uint64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// ---- The read path ----

type relatedRow struct {
	ForID uint64 `gorm:"column:for_id"`
	models.Article
}

// RelatedByArticleIDs returns, for each of ids, up to n related articles
// that pass v: the editor's picks in order, then the precomputed
// suggestions best first (score, then newer id), skipping suggestions that
// are also picks. One statement for the whole batch: a window function
// numbers each article's visible related rows and keeps the first n.
func (s *Store) RelatedByArticleIDs(ctx context.Context, v Visibility, ids []uint64, n int) (map[uint64][]*models.Article, error) {
	out := make(map[uint64][]*models.Article, len(ids))
	if len(ids) == 0 || n <= 0 {
		return out, nil
	}
	union := s.q(ctx).Raw(`SELECT p.article_id AS for_id, p.related_id AS rel_id, 0 AS kind, p.position AS pos, 0.0 AS score
		FROM article_related p WHERE p.article_id IN ?
		UNION ALL
		SELECT c.article_id, c.candidate_id, 1, 0, c.score
		FROM article_related_candidates c
		WHERE c.article_id IN ? AND NOT EXISTS (
			SELECT 1 FROM article_related p2 WHERE p2.article_id = c.article_id AND p2.related_id = c.candidate_id)`, ids, ids)
	ranked := applyVisibility(s.q(ctx).Table("(?) AS r", union), "articles", v).
		Select("r.for_id, ROW_NUMBER() OVER (PARTITION BY r.for_id ORDER BY r.kind, r.pos, r.score DESC, r.rel_id DESC) AS rn, " + s.articleColumns(ctx)).
		// CROSS JOIN keeps SQLite from scanning every visible article and
		// probing the lists; MySQL treats it as an inner join.
		Joins("CROSS JOIN articles ON articles.id = r.rel_id").
		Where("articles.id <> r.for_id")
	var rows []relatedRow
	err := s.q(ctx).Table("(?) AS ranked", ranked).Where("ranked.rn <= ?", n).Order("ranked.for_id, ranked.rn").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load related articles of %d articles: %w", len(ids), err)
	}
	for i := range rows {
		out[rows[i].ForID] = append(out[rows[i].ForID], &rows[i].Article)
	}
	return out, nil
}

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
	err := s.q(ctx).Table("articles").Select(s.articleColumns(ctx)+", articles.body_text AS search_text").Where("id = ?", id).Take(&a).Error
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
}

func (r featureRow) features() *RelatedFeatures {
	f := &RelatedFeatures{ID: r.ID, Slug: r.Slug, Status: r.Status, Time: r.CreatedAt.UTC(), Eligible: Eligible(r.Status, r.PublishedAt, r.DeletedAt)}
	if r.PublishedAt != nil {
		f.Time = r.PublishedAt.UTC()
	}
	if r.CategoryID != nil {
		f.CategoryID = *r.CategoryID
	}
	return f
}

const featureColumns = "id, slug, status, category_id, published_at, created_at, deleted_at"

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
	for _, t := range q.Tags {
		add("SELECT l.article_id AS id FROM article_tags l "+eligible+" WHERE l.tag_id = ? AND l.article_id <> ? AND "+eligibleSQL+" ORDER BY l.article_id DESC LIMIT ?", t, x.ID, q.TagCap)
	}
	for _, k := range q.Keywords {
		add("SELECT l.article_id AS id FROM article_keywords l "+eligible+" WHERE l.keyword = ? AND l.article_id <> ? AND "+eligibleSQL+" ORDER BY l.article_id DESC LIMIT ?", k, x.ID, q.KeywordCap)
	}
	for _, au := range q.Authors {
		add("SELECT l.article_id AS id FROM article_authors l "+eligible+" WHERE l.author_id = ? AND l.article_id <> ? AND "+eligibleSQL+" ORDER BY l.article_id DESC LIMIT ?", au, x.ID, q.AuthorCap)
	}
	if x.CategoryID != 0 && q.CategoryEachSide > 0 {
		const published = "a.category_id = ? AND a.id <> ? AND a.status = 'PUBLISHED' AND a.published_at IS NOT NULL AND a.deleted_at IS NULL"
		add("SELECT a.id FROM "+section+" WHERE "+published+" AND a.published_at <= ? ORDER BY a.published_at DESC, a.id DESC LIMIT ?", x.CategoryID, x.ID, x.Time, q.CategoryEachSide)
		add("SELECT a.id FROM "+section+" WHERE "+published+" AND a.published_at > ? ORDER BY a.published_at ASC, a.id ASC LIMIT ?", x.CategoryID, x.ID, x.Time, q.CategoryEachSide)
	}
	if len(q.LinkSlugs) > 0 {
		add("SELECT a.id FROM articles a WHERE a.slug IN ? AND a.id <> ? AND "+eligibleSQL, q.LinkSlugs, x.ID)
	}
	add("SELECT l.article_id AS id FROM article_links l "+eligible+" WHERE l.target_slug = ? AND l.article_id <> ? AND "+eligibleSQL, x.Slug, x.ID)

	var ids []uint64
	if err := s.q(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("find related candidates of article %d: %w", x.ID, err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// ---- Precomputed suggestions ----

// LockEditorialWrites waits for, and holds until the transaction ends, the
// right to write editorial changes. A save updates its own related list
// and offers the article to many others, creates tags, and rewrites link
// rows, so two saves at once lock shared rows in different orders and
// InnoDB kills one as a deadlock victim, again on each retry under steady
// editing. Taking turns costs little at newsroom write rates (a save is
// tens of milliseconds). SQLite writes one transaction at a time anyway.
func (s *Store) LockEditorialWrites(ctx context.Context) error {
	if s.db.Dialect != dbconn.MySQL {
		return nil
	}
	var id int
	if err := s.q(ctx).Raw("SELECT id FROM editorial_lock WHERE id = 1 FOR UPDATE").Scan(&id).Error; err != nil {
		return fmt.Errorf("take the editorial write lock: %w", err)
	}
	return nil
}

// ReplaceRelatedScores replaces an article's suggestions.
func (s *Store) ReplaceRelatedScores(ctx context.Context, articleID uint64, rows []RelatedScore) error {
	if err := s.q(ctx).Where("article_id = ?", articleID).Delete(&RelatedScore{}).Error; err != nil {
		return fmt.Errorf("clear suggestions of article %d: %w", articleID, err)
	}
	return s.UpsertRelatedScores(ctx, rows)
}

// UpsertRelatedScores inserts suggestions, updating the score of existing ones.
func (s *Store) UpsertRelatedScores(ctx context.Context, rows []RelatedScore) error {
	if len(rows) == 0 {
		return nil
	}
	err := s.q(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "article_id"}, {Name: "candidate_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"score"}),
	}).CreateInBatches(rows, 1000).Error
	if err != nil {
		return fmt.Errorf("store %d suggestions: %w", len(rows), err)
	}
	return nil
}

// RemoveFromRelatedScores drops articleID from every article's suggestions.
// It deletes the rows it found by key, so the write names the articles
// whose lists changed (and the response cache purges just those).
func (s *Store) RemoveFromRelatedScores(ctx context.Context, articleID uint64) error {
	var rows []RelatedScore
	if err := s.q(ctx).Where("candidate_id = ?", articleID).Find(&rows).Error; err != nil {
		return fmt.Errorf("find suggestions of article %d: %w", articleID, err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.q(ctx).Delete(&rows).Error; err != nil {
		return fmt.Errorf("remove article %d from suggestions: %w", articleID, err)
	}
	return nil
}

// ListFloor describes an article's stored suggestions: how many, and the
// lowest score among them.
type ListFloor struct {
	N   int
	Min float64
}

// RelatedScoreFloors returns the floor of each of ids' suggestion lists
// (absent: no suggestions).
func (s *Store) RelatedScoreFloors(ctx context.Context, ids []uint64) (map[uint64]ListFloor, error) {
	out := map[uint64]ListFloor{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ArticleID uint64
		N         int
		Min       float64
	}
	err := s.q(ctx).Model(&RelatedScore{}).Select("article_id, COUNT(*) AS n, MIN(score) AS min").
		Where("article_id IN ?", ids).Group("article_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load suggestion floors: %w", err)
	}
	for _, r := range rows {
		out[r.ArticleID] = ListFloor{N: r.N, Min: r.Min}
	}
	return out, nil
}

// TrimRelatedScores keeps the best keep suggestions of each of ids.
func (s *Store) TrimRelatedScores(ctx context.Context, ids []uint64, keep int) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.q(ctx).Exec(`DELETE FROM article_related_candidates WHERE (article_id, candidate_id) IN (
		SELECT article_id, candidate_id FROM (
			SELECT article_id, candidate_id, ROW_NUMBER() OVER (PARTITION BY article_id ORDER BY score DESC, candidate_id DESC) AS rn
			FROM article_related_candidates WHERE article_id IN ?
		) AS ranked WHERE rn > ?)`, ids, keep).Error
	if err != nil {
		return fmt.Errorf("trim suggestions of %d articles: %w", len(ids), err)
	}
	return nil
}

// RelatedScoresOf returns an article's stored suggestions, best first.
func (s *Store) RelatedScoresOf(ctx context.Context, articleID uint64) ([]RelatedScore, error) {
	var rows []RelatedScore
	if err := s.q(ctx).Where("article_id = ?", articleID).Order("score DESC, candidate_id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load suggestions of article %d: %w", articleID, err)
	}
	return rows, nil
}

// ---- Full rebuilds ----

// AllRelatedFeatures loads the features of every article, deleted ones
// included (they count in document frequencies, as in the incremental path).
func (s *Store) AllRelatedFeatures(ctx context.Context) ([]*RelatedFeatures, error) {
	var rows []featureRow
	if err := s.q(ctx).Table("articles").Select(featureColumns).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load articles for related: %w", err)
	}
	out := make([]*RelatedFeatures, len(rows))
	byID := make(map[uint64]*RelatedFeatures, len(rows))
	for i, r := range rows {
		out[i] = r.features()
		byID[r.ID] = out[i]
	}
	loadIDs := func(what, table, col string, set func(f *RelatedFeatures, v uint64)) error {
		rs, err := s.q(ctx).Table(table).Select("article_id, " + col).Order("article_id, " + col).Rows()
		if err != nil {
			return fmt.Errorf("load %s for related: %w", what, err)
		}
		defer rs.Close()
		for rs.Next() {
			var id, v uint64
			if err := rs.Scan(&id, &v); err != nil {
				return fmt.Errorf("load %s for related: %w", what, err)
			}
			if f := byID[id]; f != nil {
				set(f, v)
			}
		}
		return rs.Err()
	}
	if err := loadIDs("tags", "article_tags", "tag_id", func(f *RelatedFeatures, v uint64) { f.Tags = append(f.Tags, v) }); err != nil {
		return nil, err
	}
	if err := loadIDs("authors", "article_authors", "author_id", func(f *RelatedFeatures, v uint64) { f.Authors = append(f.Authors, v) }); err != nil {
		return nil, err
	}
	interned := map[string]string{}
	loadStrings := func(what, table, col string, set func(f *RelatedFeatures, v string)) error {
		rs, err := s.q(ctx).Table(table).Select("article_id, " + col).Rows()
		if err != nil {
			return fmt.Errorf("load %s for related: %w", what, err)
		}
		defer rs.Close()
		for rs.Next() {
			var id uint64
			var v string
			if err := rs.Scan(&id, &v); err != nil {
				return fmt.Errorf("load %s for related: %w", what, err)
			}
			if w, ok := interned[v]; ok {
				v = w
			} else {
				interned[v] = v
			}
			if f := byID[id]; f != nil {
				set(f, v)
			}
		}
		return rs.Err()
	}
	if err := loadStrings("keywords", "article_keywords", "keyword", func(f *RelatedFeatures, v string) { f.Keywords = append(f.Keywords, v) }); err != nil {
		return nil, err
	}
	if err := loadStrings("links", "article_links", "target_slug", func(f *RelatedFeatures, v string) { f.Links = append(f.Links, v) }); err != nil {
		return nil, err
	}
	for _, f := range out {
		slices.Sort(f.Keywords)
		slices.Sort(f.Links)
	}
	return out, nil
}

// ReplaceAllRelatedScores replaces every stored suggestion with rows.
func (s *Store) ReplaceAllRelatedScores(ctx context.Context, rows []RelatedScore) error {
	if err := s.q(ctx).Where("1 = 1").Delete(&RelatedScore{}).Error; err != nil {
		return fmt.Errorf("clear suggestions: %w", err)
	}
	if len(rows) == 0 {
		return nil
	}
	if err := s.q(ctx).CreateInBatches(rows, 2000).Error; err != nil {
		return fmt.Errorf("store %d suggestions: %w", len(rows), err)
	}
	return nil
}
