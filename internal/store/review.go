package store

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/models"
)

// AddReviewNote records one review transition.
func (s *Store) AddReviewNote(ctx context.Context, n *models.ReviewNote) error {
	if err := s.q(ctx).Create(n).Error; err != nil {
		return fmt.Errorf("add review note to article %d: %w", n.ArticleID, err)
	}
	return nil
}

// SetReviewState changes an article's review state alone: it is not a
// change of content, so the version stays (an edit in progress based on
// it still saves).
func (s *Store) SetReviewState(ctx context.Context, articleID uint64, state models.ReviewState) error {
	if err := s.q(ctx).Model(&models.Article{}).Where("id = ?", articleID).Update("review_state", state).Error; err != nil {
		return fmt.Errorf("set review state of article %d: %w", articleID, err)
	}
	return nil
}

// ReviewNotes returns an article's review notes, oldest first (at most
// limit).
func (s *Store) ReviewNotes(ctx context.Context, articleID uint64, limit int) ([]*models.ReviewNote, error) {
	var rows []*models.ReviewNote
	if err := s.q(ctx).Where("article_id = ?", articleID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("review notes of article %d: %w", articleID, err)
	}
	return rows, nil
}
