package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// CreateToken stores a new API token (by hash).
func (s *Store) CreateToken(ctx context.Context, t *models.APIToken) error {
	return translate(fmt.Sprintf("create token %q", t.Name), s.q(ctx).Create(t).Error)
}

// TokenByHash returns the token with hash, revoked or not, or nil.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*models.APIToken, error) {
	var t models.APIToken
	// From the primary: a replica may not have a new token yet, or may
	// still have a revoked one as valid.
	r, err := notFound(&t, s.q(dbconn.WithPrimary(ctx)).Where("token_hash = ?", hash).Take(&t).Error)
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	return r, nil
}

// ListTokens returns every token by name.
func (s *Store) ListTokens(ctx context.Context) ([]*models.APIToken, error) {
	var rows []*models.APIToken
	if err := s.q(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return rows, nil
}

// RevokeToken marks the named token revoked and reports whether one was.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&models.APIToken{}).Where("name = ? AND revoked_at IS NULL", name).Update("revoked_at", at)
	if res.Error != nil {
		return false, fmt.Errorf("revoke token %q: %w", name, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// TouchToken records that the token with id was used at at.
func (s *Store) TouchToken(ctx context.Context, id uint64, at time.Time) error {
	err := s.q(ctx).Model(&models.APIToken{}).Where("id = ?", id).Update("last_used_at", at).Error
	if err != nil {
		return fmt.Errorf("record use of token %d: %w", id, err)
	}
	return nil
}

// LockArticle loads an article for changing it inside a transaction (a row
// lock on MySQL; SQLite transactions here already hold the write lock).
// Deleted articles are included; nil when there is none.
func (s *Store) LockArticle(ctx context.Context, id uint64) (*models.Article, error) {
	var a models.Article
	q := s.q(ctx)
	if s.db.Dialect == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	r, err := notFound(&a, q.Where("id = ?", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("lock article %d: %w", id, err)
	}
	return r, nil
}

// UpdateArticleIfVersion writes a's columns when the stored version is still
// version, and bumps it. It reports false when another change got there first.
func (s *Store) UpdateArticleIfVersion(ctx context.Context, a *models.Article, version int) (bool, error) {
	a.Version = version + 1
	res := s.q(ctx).Model(&models.Article{}).
		Where("id = ? AND version = ?", a.ID, version).
		Select("*").Omit("id", "created_at").
		Updates(a)
	if res.Error != nil {
		return false, translate(fmt.Sprintf("update article %d", a.ID), res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ArticleLinks returns an article's author ids (in byline order) and tag names.
func (s *Store) ArticleLinks(ctx context.Context, id uint64) (authorIDs []uint64, tags []string, err error) {
	if err := s.q(ctx).Model(&models.ArticleAuthor{}).Where("article_id = ?", id).Order("position, author_id").Pluck("author_id", &authorIDs).Error; err != nil {
		return nil, nil, fmt.Errorf("authors of article %d: %w", id, err)
	}
	if err := s.q(ctx).Table("tags").Joins("JOIN article_tags ON article_tags.tag_id = tags.id").
		Where("article_tags.article_id = ?", id).Order("tags.name").Pluck("tags.name", &tags).Error; err != nil {
		return nil, nil, fmt.Errorf("tags of article %d: %w", id, err)
	}
	return authorIDs, tags, nil
}

// SlugTaken reports whether another article (not exceptID) uses slug.
func (s *Store) SlugTaken(ctx context.Context, slug string, exceptID uint64) (bool, error) {
	var n int64
	if err := s.q(ctx).Model(&models.Article{}).Where("slug = ? AND id <> ?", slug, exceptID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("check slug %q: %w", slug, err)
	}
	return n > 0, nil
}

// AuthorsExist returns which of ids are live authors.
func (s *Store) AuthorsExist(ctx context.Context, ids []uint64) (map[uint64]bool, error) {
	var found []uint64
	if err := s.q(ctx).Model(&models.Author{}).Where("id IN ? AND deleted_at IS NULL", ids).Pluck("id", &found).Error; err != nil {
		return nil, fmt.Errorf("check authors: %w", err)
	}
	out := make(map[uint64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// AddRevision stores a revision.
func (s *Store) AddRevision(ctx context.Context, r *models.ArticleRevision) error {
	return translate("add revision", s.q(ctx).Create(r).Error)
}

// Revisions returns an article's revisions, newest first.
func (s *Store) Revisions(ctx context.Context, articleID uint64, limit int) ([]*models.ArticleRevision, error) {
	var rows []*models.ArticleRevision
	if err := s.q(ctx).Where("article_id = ?", articleID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("revisions of article %d: %w", articleID, err)
	}
	return rows, nil
}

// Revision returns one revision of an article, or nil.
func (s *Store) Revision(ctx context.Context, articleID, revisionID uint64) (*models.ArticleRevision, error) {
	var r models.ArticleRevision
	out, err := notFound(&r, s.q(ctx).Where("id = ? AND article_id = ?", revisionID, articleID).Take(&r).Error)
	if err != nil {
		return nil, fmt.Errorf("revision %d of article %d: %w", revisionID, articleID, err)
	}
	return out, nil
}

// AddAudit records an audit entry.
func (s *Store) AddAudit(ctx context.Context, e *models.AuditEntry) error {
	return translate("add audit entry", s.q(ctx).Create(e).Error)
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Actor, Action, ObjectType, Outcome string
	ObjectID                           uint64
}

var auditKey = SortKey{Name: "audit", Column: "audit_log.id", IDColumn: "audit_log.id", Int: true}

func (s *Store) auditQuery(ctx context.Context, f AuditFilter) *gorm.DB {
	q := s.q(ctx).Table("audit_log")
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != 0 {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	return q
}

// ListAudit returns a page of the audit log, newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter, p page.Request) (*page.List[*models.AuditEntry], error) {
	l, err := listNewest(s.auditQuery(ctx, f), auditKey, p, func(e *models.AuditEntry) uint64 { return e.ID })
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return l, nil
}

// CountAudit counts the entries matching f.
func (s *Store) CountAudit(ctx context.Context, f AuditFilter) (int64, error) {
	var n int64
	err := s.auditQuery(ctx, f).Count(&n).Error
	return n, err
}

// DueScheduled returns the ids of scheduled articles whose time has come.
func (s *Store) DueScheduled(ctx context.Context, now time.Time, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.q(ctx).Model(&models.Article{}).
		Where("status = ? AND published_at <= ? AND deleted_at IS NULL", models.StatusScheduled, now).
		Order("published_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find due articles: %w", err)
	}
	return ids, nil
}

// NextScheduled returns the earliest publication time of a scheduled article.
func (s *Store) NextScheduled(ctx context.Context) (*time.Time, error) {
	var a models.Article
	err := s.q(ctx).Select("published_at").Where("status = ? AND deleted_at IS NULL", models.StatusScheduled).Order("published_at").Take(&a).Error
	r, err := notFound(&a, err)
	if err != nil || r == nil {
		return nil, err
	}
	return r.PublishedAt, nil
}

// PublishIfScheduled flips one due article from SCHEDULED to PUBLISHED. It
// reports whether this call did it: with several replicas sharing the
// database, exactly one of them wins each article.
func (s *Store) PublishIfScheduled(ctx context.Context, id uint64, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&models.Article{}).
		Where("id = ? AND status = ? AND published_at <= ? AND deleted_at IS NULL", id, models.StatusScheduled, now).
		Updates(map[string]any{"status": models.StatusPublished, "version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("publish scheduled article %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// UpdateAuthor writes a's columns.
func (s *Store) UpdateAuthor(ctx context.Context, a *models.Author) error {
	return translate(fmt.Sprintf("update author %d", a.ID), s.q(ctx).Model(a).Select("*").Omit("id", "created_at").Updates(a).Error)
}

// CountPublishedByAuthor counts the live published and scheduled articles
// an author is credited on: the bylines readers see or are about to.
func (s *Store) CountPublishedByAuthor(ctx context.Context, authorID uint64) (int64, error) {
	var n int64
	err := s.q(ctx).Table("articles").
		Joins("JOIN article_authors ON article_authors.article_id = articles.id").
		Where("article_authors.author_id = ? AND articles.status IN ? AND articles.deleted_at IS NULL", authorID,
			[]models.ArticleStatus{models.StatusPublished, models.StatusScheduled}).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count articles of author %d: %w", authorID, err)
	}
	return n, nil
}

// UpdateCategory writes c's columns.
func (s *Store) UpdateCategory(ctx context.Context, c *models.Category) error {
	return translate(fmt.Sprintf("update category %d", c.ID), s.q(ctx).Model(c).Select("*").Omit("id", "created_at").Updates(c).Error)
}

// AuthorByIDAny returns an author by id, deleted or not.
func (s *Store) AuthorByIDAny(ctx context.Context, id uint64) (*models.Author, error) {
	var a models.Author
	r, err := notFound(&a, s.q(ctx).Where("id = ?", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("load author %d: %w", id, err)
	}
	return r, nil
}
