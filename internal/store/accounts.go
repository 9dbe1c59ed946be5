package store

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/models"
)

// CreateAccount stores a new account; a taken email is a Conflict.
func (s *Store) CreateAccount(ctx context.Context, a *models.Account) error {
	return translate(fmt.Sprintf("create account %q", a.Email), s.q(ctx).Create(a).Error)
}

// AccountByID returns the account with id, or nil.
func (s *Store) AccountByID(ctx context.Context, id uint64) (*models.Account, error) {
	var a models.Account
	// From the primary, as tokens are: a role just lowered must hold.
	r, err := notFound(&a, s.q(dbconn.WithPrimary(ctx)).Where("id = ?", id).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("look up account %d: %w", id, err)
	}
	return r, nil
}

// AccountByEmail returns the account with email (stored lower-case), or nil.
func (s *Store) AccountByEmail(ctx context.Context, email string) (*models.Account, error) {
	var a models.Account
	r, err := notFound(&a, s.q(dbconn.WithPrimary(ctx)).Where("email = ?", email).Take(&a).Error)
	if err != nil {
		return nil, fmt.Errorf("look up account %q: %w", email, err)
	}
	return r, nil
}

// AccountsByIDs returns the accounts with ids, in any order.
func (s *Store) AccountsByIDs(ctx context.Context, ids []uint64) ([]*models.Account, error) {
	var rows []*models.Account
	if len(ids) == 0 {
		return rows, nil
	}
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load accounts: %w", err)
	}
	return rows, nil
}

// ListAccounts returns every account by email.
func (s *Store) ListAccounts(ctx context.Context) ([]*models.Account, error) {
	var rows []*models.Account
	if err := s.q(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return rows, nil
}

// UpdateAccount writes an account's role, name and author link.
func (s *Store) UpdateAccount(ctx context.Context, a *models.Account) error {
	err := s.q(ctx).Model(&models.Account{}).Where("id = ?", a.ID).
		Updates(map[string]any{"role": a.Role, "name": a.Name, "author_id": a.AuthorID}).Error
	if err != nil {
		return fmt.Errorf("update account %q: %w", a.Email, err)
	}
	return nil
}

// SetAccountRole changes an account's role.
func (s *Store) SetAccountRole(ctx context.Context, id uint64, role string) error {
	if err := s.q(ctx).Model(&models.Account{}).Where("id = ?", id).Update("role", role).Error; err != nil {
		return fmt.Errorf("set role of account %d: %w", id, err)
	}
	return nil
}
