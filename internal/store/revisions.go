package store

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/models"
)

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
