package store

import (
	"context"
	"fmt"
	"time"

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
