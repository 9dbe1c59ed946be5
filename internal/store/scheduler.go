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

// NextScheduled returns the earliest time the scheduler has work: a
// scheduled article's publication, a published article's expiry, or the
// publication of staged changes.
func (s *Store) NextScheduled(ctx context.Context) (*time.Time, error) {
	var next *time.Time
	earlier := func(t *time.Time) {
		if t != nil && (next == nil || t.Before(*next)) {
			next = t
		}
	}
	var a models.Article
	err := s.q(ctx).Select("published_at").Where("status = ? AND deleted_at IS NULL", models.StatusScheduled).Order("published_at").Take(&a).Error
	if r, err := notFound(&a, err); err != nil {
		return nil, err
	} else if r != nil {
		earlier(r.PublishedAt)
	}
	var e models.Article
	err = s.q(ctx).Select("expires_at").Where("expires_at IS NOT NULL AND status IN ? AND deleted_at IS NULL", expirable).Order("expires_at").Take(&e).Error
	if r, err := notFound(&e, err); err != nil {
		return nil, err
	} else if r != nil {
		earlier(r.ExpiresAt)
	}
	var p models.PendingChange
	err = s.q(ctx).Table("article_pending_changes p").Select("p.publish_at").Joins("JOIN articles a ON a.id = p.article_id").
		Where("p.publish_at IS NOT NULL AND a.deleted_at IS NULL").Order("p.publish_at").Take(&p).Error
	if r, err := notFound(&p, err); err != nil {
		return nil, err
	} else if r != nil {
		earlier(r.PublishAt)
	}
	return next, nil
}

// expirable are the statuses a take-down time applies to.
var expirable = []models.ArticleStatus{models.StatusPublished, models.StatusScheduled}

// DueExpired returns the ids of live or scheduled articles whose take-down
// time has come.
func (s *Store) DueExpired(ctx context.Context, now time.Time, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.q(ctx).Model(&models.Article{}).
		Where("expires_at <= ? AND status IN ? AND deleted_at IS NULL", now, expirable).
		Order("expires_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find expired articles: %w", err)
	}
	return ids, nil
}

// TakeDownIfExpired turns one due article back into a draft (and its rows
// of the archive indexes, syncArchives). It reports
// whether this call did it: with several replicas sharing the database,
// exactly one of them wins each article.
func (s *Store) TakeDownIfExpired(ctx context.Context, id uint64, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&models.Article{}).
		Where("id = ? AND expires_at <= ? AND status IN ? AND deleted_at IS NULL", id, now, expirable).
		Updates(map[string]any{"status": models.StatusDraft, "published_at": nil, "expires_at": nil,
			"version": gorm.Expr("version + 1"), "live_version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("take down expired article %d: %w", id, res.Error)
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	return true, s.syncArchives(ctx, id)
}

// DuePendingChanges returns the ids of articles whose staged changes are
// due to be published.
func (s *Store) DuePendingChanges(ctx context.Context, now time.Time, limit int) ([]uint64, error) {
	var ids []uint64
	err := s.q(ctx).Table("article_pending_changes p").Joins("JOIN articles a ON a.id = p.article_id").
		Where("p.publish_at <= ? AND a.deleted_at IS NULL", now).
		Order("p.publish_at, p.article_id").Limit(limit).Pluck("p.article_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find due staged changes: %w", err)
	}
	return ids, nil
}

// The conditional updates below set live_version from version: GORM writes
// a map's columns in key order, so live_version is assigned before version
// and reads the old value on MySQL (which assigns left to right) as on
// SQLite (which reads every right-hand side before assigning).

// PublishIfScheduled flips one due article from SCHEDULED to PUBLISHED
// (and its rows of the archive indexes, syncArchives). It reports
// whether this call did it: with several replicas sharing the database,
// exactly one of them wins each article.
func (s *Store) PublishIfScheduled(ctx context.Context, id uint64, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&models.Article{}).
		Where("id = ? AND status = ? AND published_at <= ? AND deleted_at IS NULL", id, models.StatusScheduled, now).
		Updates(map[string]any{"status": models.StatusPublished, "version": gorm.Expr("version + 1"), "live_version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return false, fmt.Errorf("publish scheduled article %d: %w", id, res.Error)
	}
	if res.RowsAffected != 1 {
		return false, nil
	}
	return true, s.syncArchives(ctx, id)
}
