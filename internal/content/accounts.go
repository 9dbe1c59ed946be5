package content

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// Audit actions on accounts.
const (
	ActionAccountCreate = "account.create"
	ActionAccountUpdate = "account.update"
)

// AccountChanges are the account fields an update sets; nil leaves one as
// it is. AuthorID 0 unlinks the byline.
type AccountChanges struct {
	Name     *string
	Role     *auth.Role
	AuthorID *uint64
}

// UpdateAccount changes a person's role, name or byline, audited. A lower
// role holds for every token of theirs within a second.
func (s *Service) UpdateAccount(ctx context.Context, email string, ch AccountChanges) (*models.Account, error) {
	var a *models.Account
	err := s.change(ctx, ActionAccountUpdate, "Account", 0, func(tx TxStorage) (uint64, error) {
		var err error
		if a, err = tx.AccountByEmail(ctx, auth.NormalizeEmail(email)); err != nil {
			return 0, err
		}
		if a == nil {
			return 0, &apperr.Error{Kind: apperr.NotFound, Field: "email", Message: "no account with email " + email}
		}
		if ch.Name != nil {
			if *ch.Name = strings.TrimSpace(*ch.Name); *ch.Name == "" || utf8.RuneCountInString(*ch.Name) > 200 {
				return a.ID, apperr.Invalidf("name", "name is required, at most 200 characters")
			}
			a.Name = *ch.Name
		}
		if ch.Role != nil {
			a.Role = ch.Role.String()
		}
		if ch.AuthorID != nil {
			a.AuthorID = nil
			if *ch.AuthorID != 0 {
				if au, err := tx.AuthorByID(ctx, *ch.AuthorID); err != nil {
					return a.ID, err
				} else if au == nil {
					return a.ID, &apperr.Error{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "author", Message: "no author with id " + globalid.ID(globalid.TypeAuthor, *ch.AuthorID)}
				}
				a.AuthorID = ch.AuthorID
			}
		}
		return a.ID, tx.UpdateAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// CreateAccount adds a person of the newsroom (admins; the schema gates
// it), audited like every other change.
func (s *Service) CreateAccount(ctx context.Context, in auth.AccountInput) (*models.Account, error) {
	var a *models.Account
	err := s.change(ctx, ActionAccountCreate, "Account", 0, func(tx TxStorage) (uint64, error) {
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
