package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/models"
)

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
