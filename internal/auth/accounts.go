package auth

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// AccountStore persists the newsroom's accounts.
type AccountStore interface {
	CreateAccount(ctx context.Context, a *models.Account) error
	AccountByID(ctx context.Context, id uint64) (*models.Account, error)
	AccountByEmail(ctx context.Context, email string) (*models.Account, error)
	ListAccounts(ctx context.Context) ([]*models.Account, error)
	SetAccountRole(ctx context.Context, id uint64, role string) error
}

// Accounts manages the people of the newsroom: the accounts API tokens
// and single sign-on identities act as.
type Accounts struct {
	store AccountStore
	now   func() time.Time
}

// NewAccounts returns the account service over store.
func NewAccounts(store AccountStore) *Accounts { return &Accounts{store: store, now: time.Now} }

// AccountInput describes a new account.
type AccountInput struct {
	Email, Name string
	Role        Role
	// AuthorID links the account to a byline (0: none).
	AuthorID uint64
}

// NormalizeEmail is the form an address is stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// validate returns every problem with in, each naming its field.
func (in AccountInput) validate() apperr.FieldErrors {
	var errs apperr.FieldErrors
	if addr, err := mail.ParseAddress(in.Email); err != nil || addr.Address != in.Email || len(in.Email) > 254 {
		errs = append(errs, apperr.Invalidf("email", "email %q is not an address like name@example.com", apperr.Clip(in.Email, 60)))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Name)); n == 0 || n > 200 {
		errs = append(errs, apperr.Invalidf("name", "name is required, at most 200 characters"))
	}
	if in.Role < Reader || in.Role > Admin {
		errs = append(errs, apperr.Invalidf("role", "unknown role"))
	}
	return errs
}

// Create adds an account. A taken email is a TAKEN field error.
func (s *Accounts) Create(ctx context.Context, in AccountInput) (*models.Account, error) {
	in.Email = NormalizeEmail(in.Email)
	if errs := in.validate(); len(errs) > 0 {
		return nil, errs
	}
	a := &models.Account{Email: in.Email, Name: strings.TrimSpace(in.Name), Role: in.Role.String(), CreatedAt: s.now().UTC()}
	if in.AuthorID != 0 {
		a.AuthorID = &in.AuthorID
	}
	if err := s.store.CreateAccount(ctx, a); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return nil, apperr.Takenf("email", "an account with email %q exists already", in.Email)
		}
		return nil, fmt.Errorf("create account %q: %w", in.Email, err)
	}
	return a, nil
}

// List returns every account, by email.
func (s *Accounts) List(ctx context.Context) ([]*models.Account, error) {
	return s.store.ListAccounts(ctx)
}

// ByEmail returns the account with email, or nil.
func (s *Accounts) ByEmail(ctx context.Context, email string) (*models.Account, error) {
	return s.store.AccountByEmail(ctx, NormalizeEmail(email))
}

// ByID returns the account with id, or nil.
func (s *Accounts) ByID(ctx context.Context, id uint64) (*models.Account, error) {
	return s.store.AccountByID(ctx, id)
}

// linkSSO returns the account of a single sign-on identity, creating it on
// first sign-in. A role from the identity provider (mapped, not Reader-by-
// default) is kept on the account; without one the account's own role is
// used, so an admin can grant roles with createAccount.
func (s *Accounts) linkSSO(ctx context.Context, email, name string, claimed Role, hasClaim bool) (*models.Account, Role, error) {
	email = NormalizeEmail(email)
	a, err := s.store.AccountByEmail(ctx, email)
	if err != nil {
		return nil, Reader, err
	}
	if a == nil {
		if strings.TrimSpace(name) == "" {
			name = email
		}
		role := Reader
		if hasClaim {
			role = claimed
		}
		a, err = s.Create(ctx, AccountInput{Email: email, Name: apperr.Clip(name, 200), Role: role})
		if err != nil && apperr.KindOf(err) == apperr.Conflict {
			// Another replica created it first (TAKEN): read it back.
			if a, err = s.store.AccountByEmail(ctx, email); err == nil && a == nil {
				err = fmt.Errorf("account %q vanished", email)
			}
		}
		if err != nil {
			return nil, Reader, err
		}
	}
	if hasClaim && a.Role != claimed.String() {
		if err := s.store.SetAccountRole(ctx, a.ID, claimed.String()); err != nil {
			return nil, Reader, err
		}
		a.Role = claimed.String()
	}
	role, err := ParseRole(a.Role)
	if err != nil {
		return nil, Reader, fmt.Errorf("account %q: %w", email, err)
	}
	return a, role, nil
}
