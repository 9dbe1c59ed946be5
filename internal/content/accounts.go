package content

import (
	"context"
	"errors"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// ActionAccountCreate is the audit action of createAccount.
const ActionAccountCreate = "account.create"

// CreateAccount adds a person of the newsroom (admins; the schema gates
// it), audited like every other change.
func (s *Service) CreateAccount(ctx context.Context, in auth.AccountInput) (*models.Account, error) {
	var a *models.Account
	err := s.change(ctx, ActionAccountCreate, "Account", 0, func(tx *store.Store) (uint64, error) {
		var errs apperr.FieldErrors
		if in.AuthorID != 0 {
			if au, err := tx.AuthorByID(ctx, in.AuthorID); err != nil {
				return 0, err
			} else if au == nil {
				errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "author", Message: "no author with id " + globalid.ID(globalid.TypeAuthor, in.AuthorID)})
			}
		}
		var err error
		a, err = auth.NewAccounts(tx).Create(ctx, in)
		if err != nil {
			var fe apperr.FieldErrors
			if errors.As(err, &fe) {
				return 0, append(fe, errs...)
			}
			if e, ok := apperr.As(err); ok && e.Field != "" {
				return 0, append(apperr.FieldErrors{e}, errs...)
			}
			return 0, err
		}
		if len(errs) > 0 {
			return 0, errs
		}
		return a.ID, nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Accounts is the account service, for the GraphQL layer and the CLI.
func (s *Service) Accounts() *auth.Accounts { return auth.NewAccounts(s.store) }

// AccountsByIDs returns the accounts with ids, in the order of ids (nil
// where one is missing); for loaders.
func (s *Service) AccountsByIDs(ctx context.Context, ids []uint64) ([]*models.Account, error) {
	rows, err := s.store.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*models.Account, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]*models.Account, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// AuthorByID returns the author with id (not deleted), or nil: an
// account's byline.
func (s *Service) AuthorByID(ctx context.Context, id uint64) (*models.Author, error) {
	return s.store.AuthorByID(ctx, id)
}
