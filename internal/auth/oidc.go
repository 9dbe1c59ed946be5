package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// OIDCConfig turns on single sign-on: bearer tokens that are not API tokens
// are read as OIDC ID or access tokens (JWTs) from Issuer, checked against
// its published keys (discovery and JWKS, fetched and refreshed by
// github.com/coreos/go-oidc), for Audience.
type OIDCConfig struct {
	// Issuer is the identity provider's issuer URL (iss of its tokens).
	Issuer string
	// Audience is the client id or API identifier tokens must be for (aud).
	Audience string
	// RoleClaim is the claim holding the person's role or groups: a string
	// or a list of strings (default "roles").
	RoleClaim string
	// RoleMap maps claim values to roles (case-insensitive); without it
	// the values are role names (admin, editor, contributor, reader). The
	// highest role any value maps to wins; with none, the account's own
	// role (given by an admin) applies.
	RoleMap map[string]Role
	// Logger reports why the provider cannot be reached.
	Logger *slog.Logger
}

// ParseRoleMap reads a role map written as value=role pairs separated by
// commas, e.g. "newsroom-admins=admin,desk=editor,freelance=contributor".
func ParseRoleMap(s string) (map[string]Role, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[string]Role{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("role map entry %q: want VALUE=ROLE", pair)
		}
		r, err := ParseRole(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("role map entry %q: %w", pair, err)
		}
		m[strings.ToLower(strings.TrimSpace(k))] = r
	}
	return m, nil
}

// OIDC checks single sign-on tokens and links each person to an account
// by email.
type OIDC struct {
	cfg      OIDCConfig
	accounts *Accounts

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier // nil until the provider was reached
	lastTry  time.Time
}

// discoveryRetry is how soon discovery is tried again after it failed.
const discoveryRetry = 5 * time.Second

// WithOIDC makes t accept single sign-on tokens as cfg says, linking them
// to accounts of store. Discovery happens on first use, and is retried
// while the provider cannot be reached (requests get UNAVAILABLE, not
// UNAUTHENTICATED, meanwhile).
func (t *Tokens) WithOIDC(cfg OIDCConfig, store AccountStore) (*Tokens, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("single sign-on needs both --oidc-issuer and --oidc-audience")
	}
	if cfg.RoleClaim == "" {
		cfg.RoleClaim = "roles"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	t.oidc = &OIDC{cfg: cfg, accounts: NewAccounts(store)}
	return t, nil
}

// looksLikeJWT reports whether token has a JWS's three dot-separated parts.
func looksLikeJWT(token string) bool {
	return len(token) < 16<<10 && strings.Count(token, ".") == 2
}

func (o *OIDC) verifierFor(ctx context.Context, now time.Time) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if !o.lastTry.IsZero() && now.Sub(o.lastTry) < discoveryRetry {
		return nil, errors.New("identity provider unreachable at the last attempt")
	}
	o.lastTry = now
	// The provider's key set outlives this request: not its context.
	p, err := oidc.NewProvider(context.WithoutCancel(ctx), o.cfg.Issuer)
	if err != nil {
		o.cfg.Logger.Error("single sign-on: discover the identity provider", "issuer", o.cfg.Issuer, "err", err)
		return nil, err
	}
	o.verifier = p.Verifier(&oidc.Config{ClientID: o.cfg.Audience, Now: time.Now})
	return o.verifier, nil
}

// claims are the parts of a token Broadsheet reads.
type claims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
}

// verdict checks one token: its signature by the issuer's keys, issuer,
// audience and expiry, then links its email to an account.
func (o *OIDC) verdict(ctx context.Context, token string, now time.Time) (verdict, bool) {
	v, err := o.verifierFor(ctx, now)
	if err != nil {
		return verdict{err: &apperr.Error{Kind: apperr.Unavailable, Message: "cannot reach the single sign-on provider right now", Err: err}}, false
	}
	refuse := func(msg string) (verdict, bool) {
		return verdict{err: apperr.New(apperr.Unauthenticated, "%s", msg)}, true
	}
	idt, err := v.Verify(ctx, token)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return refuse("this single sign-on token has expired")
		}
		return refuse("invalid single sign-on token: " + apperr.Clip(err.Error(), 200))
	}
	var c claims
	all := map[string]any{}
	if err := idt.Claims(&c); err != nil {
		return refuse("unreadable single sign-on token claims")
	}
	if err := idt.Claims(&all); err != nil {
		return refuse("unreadable single sign-on token claims")
	}
	if c.Email == "" || (c.EmailVerified != nil && !*c.EmailVerified) {
		return refuse("the single sign-on token carries no verified email")
	}
	role, hasRole := o.role(all[o.cfg.RoleClaim])
	acc, role, err := o.accounts.linkSSO(ctx, c.Email, c.Name, role, hasRole)
	if err != nil {
		if apperr.KindOf(err) == apperr.Invalid {
			return refuse("single sign-on: " + err.Error())
		}
		return verdict{err: &apperr.Error{Kind: apperr.Unavailable, Message: "cannot look up the single sign-on account right now", Err: err}}, false
	}
	vw := Viewer{Role: role, TokenName: "sso:" + acc.Email, AccountID: acc.ID}
	if acc.AuthorID != nil {
		vw.AuthorID = *acc.AuthorID
	}
	return verdict{viewer: vw}, true
}

// role maps a role claim (a string or a list of strings) to the highest
// role any of its values names.
func (o *OIDC) role(claim any) (Role, bool) {
	var values []string
	switch c := claim.(type) {
	case string:
		values = strings.Fields(strings.ReplaceAll(c, ",", " "))
	case []any:
		for _, v := range c {
			if s, ok := v.(string); ok {
				values = append(values, s)
			}
		}
	}
	best, found := Reader, false
	for _, v := range values {
		var r Role
		var ok bool
		if o.cfg.RoleMap != nil {
			r, ok = o.cfg.RoleMap[strings.ToLower(v)]
		} else {
			var err error
			r, err = ParseRole(v)
			ok = err == nil
		}
		if ok && (!found || r > best) {
			best, found = r, true
		}
	}
	return best, found
}
