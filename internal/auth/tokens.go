package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/models"
)

// TokenPrefix starts every Broadsheet API token, so a leaked one is easy to
// recognise (and to scan for in repositories).
const TokenPrefix = "bst_"

// tokenBytes is the token's randomness: 256 bits.
const tokenBytes = 32

// TokenStore persists tokens by hash.
type TokenStore interface {
	CreateToken(ctx context.Context, t *models.APIToken) error
	TokenByHash(ctx context.Context, hash string) (*models.APIToken, error)
	ListTokens(ctx context.Context) ([]*models.APIToken, error)
	RevokeToken(ctx context.Context, name string, at time.Time) (bool, error)
	TouchToken(ctx context.Context, id uint64, at time.Time) error
}

// TouchEvery is how often a token's last use is written: at most once per
// token per interval and process, so a busy tool costs one UPDATE a
// minute, not one per request.
const TouchEvery = time.Minute

// CheckCacheTTL is how long a token's verdict (valid with its role, or
// refused) is reused without asking the database again. Every request and
// every websocket operation checks its token, and open connections are
// re-checked every few seconds: the cache keeps that to about one query
// per token per second, and a revocation made anywhere (another replica,
// the CLI) is seen within it.
const CheckCacheTTL = time.Second

// checkCacheSize bounds the verdicts kept (least recently used go first).
const checkCacheSize = 10_000

// verdict is a cached outcome of checking one token.
type verdict struct {
	viewer Viewer
	err    error // an Unauthenticated refusal; nil when the token is valid
	at     time.Time
}

// Tokens issues, checks and revokes API tokens, and (WithOIDC) checks
// single sign-on tokens.
type Tokens struct {
	store TokenStore
	now   func() time.Time
	oidc  *OIDC // nil without single sign-on

	mu      sync.Mutex
	touched map[uint64]time.Time // token id → when its use was last written

	checked *lru.Cache[string, verdict] // token hash → verdict
}

// NewTokens returns a token service over store.
func NewTokens(store TokenStore) *Tokens {
	checked, _ := lru.New[string, verdict](checkCacheSize)
	return &Tokens{store: store, now: time.Now, touched: map[uint64]time.Time{}, checked: checked}
}

// HashToken returns the stored form of a token. Tokens carry 256 random
// bits, so a plain SHA-256 is enough: there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ParseRole reads a role name as the CLI and config spell it.
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(s) {
	case "reader":
		return Reader, nil
	case "contributor":
		return Contributor, nil
	case "editor":
		return Editor, nil
	case "admin":
		return Admin, nil
	}
	return Reader, fmt.Errorf("role %q: want reader, contributor, editor or admin", s)
}

var tokenName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// Create issues a new token that never expires and returns it; it is not
// retrievable later.
func (t *Tokens) Create(ctx context.Context, name string, role Role) (string, error) {
	return t.CreateExpiring(ctx, name, role, 0)
}

// CreateExpiring is Create for a token that stops working ttl from now
// (never when ttl is 0). Requests with it are then refused, and its open
// websockets and SSE streams end, as after a revocation.
func (t *Tokens) CreateExpiring(ctx context.Context, name string, role Role, ttl time.Duration) (string, error) {
	return t.CreateFor(ctx, TokenSpec{Name: name, Role: role, TTL: ttl})
}

// TokenSpec describes a token to issue.
type TokenSpec struct {
	Name string
	Role Role
	// TTL is how long the token works; 0 for until revoked.
	TTL time.Duration
	// Account, when set, is the person the token acts for: requests with it
	// are attributed to the account, and its role is capped by the
	// account's.
	Account *models.Account
}

// CreateFor issues a token as spec says and returns it; it is not
// retrievable later.
func (t *Tokens) CreateFor(ctx context.Context, spec TokenSpec) (string, error) {
	name, role, ttl := spec.Name, spec.Role, spec.TTL
	if ttl < 0 {
		return "", fmt.Errorf("token expiry must be in the future (got %v)", ttl)
	}
	if !tokenName.MatchString(name) {
		return "", fmt.Errorf("token name %q: use 1–100 letters, digits, '.', '_' or '-'", name)
	}
	if role < Reader || role > Admin {
		return "", fmt.Errorf("token role must be reader, contributor, editor or admin")
	}
	if role == Contributor && spec.Account == nil {
		return "", fmt.Errorf("a contributor token needs an account: a contributor changes only its own articles")
	}
	if spec.Account != nil {
		if ar, err := ParseRole(spec.Account.Role); err != nil || role > ar {
			return "", fmt.Errorf("account %s is %s: its token cannot be %s", spec.Account.Email, spec.Account.Role, role)
		}
	}
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	rec := &models.APIToken{Name: name, Role: role.String(), TokenHash: HashToken(token), CreatedAt: t.now().UTC()}
	if ttl > 0 {
		exp := rec.CreatedAt.Add(ttl)
		rec.ExpiresAt = &exp
	}
	if spec.Account != nil {
		rec.AccountID = &spec.Account.ID
	}
	if err := t.store.CreateToken(ctx, rec); err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return "", fmt.Errorf("a token named %q already exists", name)
		}
		return "", err
	}
	return token, nil
}

// List returns every token (hashes only).
func (t *Tokens) List(ctx context.Context) ([]*models.APIToken, error) {
	return t.store.ListTokens(ctx)
}

// Revoke revokes the named token.
func (t *Tokens) Revoke(ctx context.Context, name string) error {
	ok, err := t.store.RevokeToken(ctx, name, t.now().UTC())
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no active token named %q", name)
	}
	t.checked.Purge() // this process sees its own revocation at once
	return nil
}

// ViewerForToken resolves a raw token to its viewer. Unknown, malformed
// and revoked tokens are UNAUTHENTICATED: never a silent downgrade to reader.
func (t *Tokens) ViewerForToken(ctx context.Context, token string) (Viewer, error) {
	if t.oidc != nil && !strings.HasPrefix(token, TokenPrefix) && looksLikeJWT(token) {
		return t.cachedVerdict(token, func() (verdict, bool) { return t.oidc.verdict(ctx, token, t.now()) })
	}
	if !strings.HasPrefix(token, TokenPrefix) || len(token) > 200 {
		return Viewer{}, apperr.New(apperr.Unauthenticated, "malformed API token")
	}
	return t.cachedVerdict(token, func() (verdict, bool) { return t.tokenVerdict(ctx, token) })
}

// cachedVerdict returns the verdict on token cached less than
// CheckCacheTTL ago, or checks it with check (which reports whether its
// verdict may be cached: a failure to check may not).
func (t *Tokens) cachedVerdict(token string, check func() (verdict, bool)) (Viewer, error) {
	hash := HashToken(token)
	now := t.now()
	if v, ok := t.checked.Get(hash); ok && now.Sub(v.at) >= 0 && now.Sub(v.at) < CheckCacheTTL {
		return v.viewer, v.err
	}
	v, keep := check()
	v.at = now
	if keep {
		t.checked.Add(hash, v)
	}
	return v.viewer, v.err
}

// tokenVerdict checks an API token against the database.
func (t *Tokens) tokenVerdict(ctx context.Context, token string) (verdict, bool) {
	now := t.now()
	rec, err := t.store.TokenByHash(ctx, HashToken(token))
	if err != nil {
		// Not cached: the next request asks again.
		return verdict{err: &apperr.Error{Kind: apperr.Unavailable, Message: "cannot check the API token right now", Err: err}}, false
	}
	v := verdict{at: now}
	switch {
	case rec == nil:
		v.err = apperr.New(apperr.Unauthenticated, "unknown API token")
	case rec.RevokedAt != nil:
		v.err = apperr.New(apperr.Unauthenticated, "this API token has been revoked")
	case rec.ExpiresAt != nil && !now.Before(*rec.ExpiresAt):
		v.err = apperr.New(apperr.Unauthenticated, "this API token has expired")
	default:
		role, perr := ParseRole(rec.Role)
		if perr != nil {
			v.err = apperr.New(apperr.Unauthenticated, "API token has an unknown role")
			break
		}
		v.viewer = Viewer{Role: role, TokenName: rec.Name, TokenID: rec.ID}
		if rec.AccountID != nil {
			if err := t.withAccount(ctx, &v.viewer, *rec.AccountID); err != nil {
				return verdict{err: err}, false
			}
		}
		t.touch(ctx, rec)
	}
	return v, true
}

// withAccount attributes v to its account and caps its role by the
// account's, so lowering a person's role takes effect on every token of
// theirs.
func (t *Tokens) withAccount(ctx context.Context, v *Viewer, id uint64) error {
	accounts, ok := t.store.(AccountStore)
	if !ok {
		return nil
	}
	a, err := accounts.AccountByID(ctx, id)
	if err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Message: "cannot check the API token's account right now", Err: err}
	}
	if a == nil {
		return nil
	}
	v.AccountID = a.ID
	if a.AuthorID != nil {
		v.AuthorID = *a.AuthorID
	}
	if ar, err := ParseRole(a.Role); err == nil && ar < v.Role {
		v.Role = ar
	}
	return nil
}

// touch records the token's use, unless this process did so less than
// TouchEvery ago (or the stored time is that recent: another replica did).
// Failing to record it never fails the request: the request is allowed
// either way, and the next one tries again.
func (t *Tokens) touch(ctx context.Context, rec *models.APIToken) {
	now := t.now().UTC()
	t.mu.Lock()
	last, ok := t.touched[rec.ID]
	if !ok && rec.LastUsedAt != nil {
		last, ok = *rec.LastUsedAt, true
	}
	if ok && now.Sub(last) < TouchEvery {
		t.mu.Unlock()
		return
	}
	t.touched[rec.ID] = now
	t.mu.Unlock()
	if err := t.store.TouchToken(context.WithoutCancel(ctx), rec.ID, now); err != nil {
		t.mu.Lock()
		delete(t.touched, rec.ID)
		t.mu.Unlock()
	}
}

// Authenticate reads the Authorization header: none means a reader; a
// Bearer token must be valid.
func (t *Tokens) Authenticate(r *http.Request) (Viewer, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Viewer{Role: Reader}, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Viewer{}, apperr.New(apperr.Unauthenticated, `malformed Authorization header: want "Bearer TOKEN"`)
	}
	return t.ViewerForToken(r.Context(), strings.TrimSpace(token))
}
