package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/broadsheet/broadsheet/models"
)

// touchStore is a TokenStore holding one token that counts the writes of
// its last use.
type touchStore struct {
	tok     models.APIToken
	touches []time.Time
	fail    bool
}

func (s *touchStore) CreateToken(context.Context, *models.APIToken) error { return nil }
func (s *touchStore) TokenByHash(_ context.Context, hash string) (*models.APIToken, error) {
	if hash != s.tok.TokenHash {
		return nil, nil
	}
	t := s.tok
	return &t, nil
}
func (s *touchStore) ListTokens(context.Context) ([]*models.APIToken, error) { return nil, nil }
func (s *touchStore) RevokeToken(context.Context, string, time.Time) (bool, error) {
	return false, nil
}
func (s *touchStore) TouchToken(_ context.Context, id uint64, at time.Time) error {
	if s.fail {
		return errors.New("database down")
	}
	s.touches = append(s.touches, at)
	s.tok.LastUsedAt = &at
	return nil
}

// TestTokenLastUse: a token's use is written at most once per TouchEvery,
// counting a use another replica recorded, and a failed write is retried
// on the next request without refusing this one.
func TestTokenLastUse(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	recent := t0.Add(-10 * time.Second)
	cases := []struct {
		name      string
		stored    *time.Time // last use already in the database
		failFirst bool
		uses      []time.Duration // request times after t0
		want      int             // writes
	}{
		{"first use is written", nil, false, []time.Duration{0}, 1},
		{"uses within a minute write once", nil, false, []time.Duration{0, time.Second, 59 * time.Second}, 1},
		{"a use a minute later writes again", nil, false, []time.Duration{0, 30 * time.Second, 61 * time.Second}, 2},
		{"another replica's recent write counts", &recent, false, []time.Duration{0, 20 * time.Second}, 0},
		{"a failed write is retried", nil, true, []time.Duration{0, time.Second}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const token = TokenPrefix + "abc"
			st := &touchStore{tok: models.APIToken{ID: 7, Name: "cms", Role: "editor", TokenHash: HashToken(token), LastUsedAt: tc.stored}, fail: tc.failFirst}
			tokens := NewTokens(st)
			for i, d := range tc.uses {
				tokens.now = func() time.Time { return t0.Add(d) }
				v, err := tokens.ViewerForToken(context.Background(), token)
				if err != nil || v.Role != Editor {
					t.Fatalf("use %d: %+v, %v: a token must work whether or not its use is recorded", i, v, err)
				}
				st.fail = false
			}
			if len(st.touches) != tc.want {
				t.Errorf("%d writes of the last use (%v), want %d", len(st.touches), st.touches, tc.want)
			}
		})
	}
}

// TestTokenCheckCache: a token's verdict is reused for CheckCacheTTL, so a
// revocation made elsewhere (another replica, the CLI) is seen once it has
// passed, and not before.
func TestTokenCheckCache(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	const token = TokenPrefix + "abc"
	st := &touchStore{tok: models.APIToken{ID: 7, Name: "cms", Role: "editor", TokenHash: HashToken(token)}}
	tokens := NewTokens(st)
	at := func(d time.Duration) error {
		tokens.now = func() time.Time { return t0.Add(d) }
		_, err := tokens.ViewerForToken(context.Background(), token)
		return err
	}
	if err := at(0); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	revoked := t0
	st.tok.RevokedAt = &revoked
	if err := at(CheckCacheTTL / 2); err != nil {
		t.Fatalf("within the cache's lifetime the verdict is reused, got %v", err)
	}
	if err := at(CheckCacheTTL); err == nil {
		t.Fatal("a revoked token still works after CheckCacheTTL")
	}
}
