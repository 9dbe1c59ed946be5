package store

import (
	"context"
	"fmt"
	"sync"

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
	rows, err := scanArticles(applyVisibility(s.q(ctx).Table("articles"), "articles", v).
		Select(s.articleColumns(ctx, v)).
		Joins("JOIN article_related p ON p.related_id = articles.id").
		Where("p.article_id = ?", articleID).
		Order("p.position, p.related_id"))
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
	visible, vargs := visibilitySQL("candidate", v)
	padded := padIDs(ids)
	args := appendIDs(appendIDs(make([]any, 0, 2*len(padded)+len(vargs)+1), padded), padded)
	args = append(append(args, vargs...), n)
	// Scanned by hand, as article lists are (articlescan.go).
	var forID uint64
	var rn int
	err := scanArticlesWith(s.written(ctx, relatedStatement(s.joinInOrder(), s.articleColumns(ctx, v), visible, placeholders(len(padded))), args...),
		map[string]any{"for_id": (*uintCol)(&forID), "rn": (*intCol)(&rn)},
		func(a *models.Article) { out[forID] = append(out[forID], a) })
	if err != nil {
		return nil, fmt.Errorf("load related articles of %d articles: %w", len(ids), err)
	}
	return out, nil
}

// relatedStatements holds RelatedByArticleIDs's statement for each join,
// column list, visibility rule and length of the list of ids (a handful),
// written once: built by GORM as three nested queries on every call, it
// took a third of the related page's own CPU in the gateway.
var relatedStatements sync.Map // [4]string{join, cols, visible, list} → string

// relatedStatement is the related read for the article columns cols and
// the visibility condition visible (visibilitySQL for the alias
// "candidate"), with list the placeholders of the ids and join the
// store's joinInOrder. Its arguments: the ids twice, visible's, and the
// number per article.
//
// The rows are ranked by id alone and the articles' columns read for the
// first n only: ranked with their columns (excerpts and titles are TEXT),
// MariaDB kept every candidate in two on-disk temporary tables per call
// (Created_tmp_disk_tables), and spent 2.5 times the CPU on the statement
// (docs/benchmarks.md). Both joins start from the handful of ranked ids:
// left to choose, either engine may instead scan every visible article
// and probe the lists, and MariaDB, once ANALYZE TABLE has counted a
// small archive, then sorts whole article rows on disk.
func relatedStatement(join, cols, visible, list string) string {
	key := [4]string{join, cols, visible, list}
	if q, ok := relatedStatements.Load(key); ok {
		return q.(string)
	}
	q := `SELECT ranked.for_id, ranked.rn, ` + cols + ` FROM (
	SELECT r.for_id, r.rel_id, ROW_NUMBER() OVER (PARTITION BY r.for_id ORDER BY r.kind, r.pos, r.score DESC, r.rel_id DESC) AS rn
	FROM (
		SELECT p.article_id AS for_id, p.related_id AS rel_id, 0 AS kind, p.position AS pos, 0.0 AS score
		FROM article_related p WHERE p.article_id IN ` + list + `
		UNION ALL
		SELECT c.article_id, c.candidate_id, 1, 0, c.score
		FROM article_related_candidates c
		WHERE c.article_id IN ` + list + ` AND NOT EXISTS (
			SELECT 1 FROM article_related p2 WHERE p2.article_id = c.article_id AND p2.related_id = c.candidate_id)
	) AS r
	` + join + ` articles AS candidate ON candidate.id = r.rel_id
	WHERE ` + visible + ` AND candidate.id <> r.for_id
) AS ranked
` + join + ` articles ON articles.id = ranked.rel_id
WHERE ranked.rn <= ? ORDER BY ranked.for_id, ranked.rn`
	relatedStatements.Store(key, q)
	return q
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
