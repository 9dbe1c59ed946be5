package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/broadsheet/broadsheet/models"
)

// PendingChange returns the changes staged on an article, or nil.
func (s *Store) PendingChange(ctx context.Context, articleID uint64) (*models.PendingChange, error) {
	var p models.PendingChange
	r, err := notFound(&p, s.q(ctx).Where("article_id = ?", articleID).Take(&p).Error)
	if err != nil {
		return nil, fmt.Errorf("staged changes of article %d: %w", articleID, err)
	}
	return r, nil
}

// PendingChanges returns the changes staged on any of ids, keyed by
// article id (for loaders).
func (s *Store) PendingChanges(ctx context.Context, ids []uint64) (map[uint64]*models.PendingChange, error) {
	var rows []*models.PendingChange
	if err := s.q(ctx).Where("article_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("staged changes of %d articles: %w", len(ids), err)
	}
	out := make(map[uint64]*models.PendingChange, len(rows))
	for _, p := range rows {
		out[p.ArticleID] = p
	}
	return out, nil
}

// SavePendingChange writes (or replaces) an article's staged changes.
func (s *Store) SavePendingChange(ctx context.Context, p *models.PendingChange) error {
	err := s.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "article_id"}}, UpdateAll: true}).Create(p).Error
	return translate(fmt.Sprintf("stage changes of article %d", p.ArticleID), err)
}

// DeletePendingChange drops an article's staged changes and reports
// whether there were any.
func (s *Store) DeletePendingChange(ctx context.Context, articleID uint64) (bool, error) {
	res := s.q(ctx).Where("article_id = ?", articleID).Delete(&models.PendingChange{})
	if res.Error != nil {
		return false, fmt.Errorf("drop staged changes of article %d: %w", articleID, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// BumpArticleVersion increments an article's version without touching its
// content or updatedAt (a change readers do not see: staged edits), when
// the version is still version. It reports false when another change got
// there first.
func (s *Store) BumpArticleVersion(ctx context.Context, id uint64, version int) (bool, error) {
	res := s.q(ctx).Model(&models.Article{}).Where("id = ? AND version = ?", id, version).
		UpdateColumn("version", gorm.Expr("version + 1"))
	if res.Error != nil {
		return false, fmt.Errorf("bump the version of article %d: %w", id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// RevokePreviews increments an article's preview generation: every
// preview link made before stops working.
func (s *Store) RevokePreviews(ctx context.Context, id uint64) error {
	err := s.q(ctx).Model(&models.Article{}).Where("id = ?", id).
		UpdateColumn("preview_generation", gorm.Expr("preview_generation + 1")).Error
	if err != nil {
		return fmt.Errorf("revoke preview links of article %d: %w", id, err)
	}
	return nil
}

// PreviewGeneration returns an article's preview generation, and false
// when there is no such article (deleted ones included).
func (s *Store) PreviewGeneration(ctx context.Context, id uint64) (int, bool, error) {
	var gens []int
	if err := s.q(ctx).Model(&models.Article{}).Where("id = ? AND deleted_at IS NULL", id).Limit(1).Pluck("preview_generation", &gens).Error; err != nil {
		return 0, false, fmt.Errorf("preview generation of article %d: %w", id, err)
	}
	if len(gens) == 0 {
		return 0, false, nil
	}
	return gens[0], true, nil
}

// ServerSecret returns the secret called name, making a random one of 32
// bytes the first time: the first replica to ask creates it, every other
// one reads the same.
func (s *Store) ServerSecret(ctx context.Context, name string) ([]byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("make secret %q: %w", name, err)
	}
	row := &models.ServerSecret{Name: name, Secret: base64.RawStdEncoding.EncodeToString(b[:]), CreatedAt: time.Now().UTC()}
	var got models.ServerSecret
	// In a transaction: on the primary, never on a read replica that may
	// not have the row yet.
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(row).Error; err != nil {
			return fmt.Errorf("store secret %q: %w", name, err)
		}
		if err := tx.q(ctx).Where("name = ?", name).Take(&got).Error; err != nil {
			return fmt.Errorf("load secret %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	secret, err := base64.RawStdEncoding.DecodeString(got.Secret)
	if err != nil {
		return nil, fmt.Errorf("decode secret %q: %w", name, err)
	}
	return secret, nil
}
