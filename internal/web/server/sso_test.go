package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/web/server"
)

// provider is an in-process OIDC identity provider: discovery and a JWKS
// on loopback, and real RS256-signed tokens.
type provider struct {
	*httptest.Server
	key *rsa.PrivateKey
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.URL, "jwks_uri": p.URL + "/keys",
			"authorization_endpoint": p.URL + "/auth", "token_endpoint": p.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// sign returns claims as a JWT signed by key under the provider's key id.
func sign(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestSingleSignOn: OIDC tokens from the configured issuer, for the
// configured audience, signed by its published keys, act as the account of
// their email (created on first sign-in) with the role their claim maps
// to; anything else is UNAUTHENTICATED, and API tokens keep working.
func TestSingleSignOn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		idp := newProvider(t)
		const audience = "broadsheet-api"
		roles, err := auth.ParseRoleMap("newsroom-desk=editor,newsroom-admins=admin,freelance=contributor")
		if err != nil {
			t.Fatal(err)
		}
		s := testserver.New(t, db, nil, func(c *server.Config) {
			tokens, err := auth.NewTokens(store.New(db)).WithOIDC(auth.OIDCConfig{Issuer: idp.URL, Audience: audience, RoleClaim: "groups", RoleMap: roles}, store.New(db))
			if err != nil {
				t.Fatal(err)
			}
			c.Authenticate = tokens.Authenticate
		})
		existing, _ := s.Account(t, "ana@news.example", "Ana Existing", auth.Contributor, 0)
		apiToken := s.Token(t, "legacy-script", auth.Editor)
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		claims := func(email string, change func(map[string]any)) map[string]any {
			c := map[string]any{"iss": idp.URL, "aud": audience, "sub": "u-" + email, "email": email, "email_verified": true, "name": "Sam Desk",
				"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
			if change != nil {
				change(c)
			}
			return c
		}
		type me struct {
			Me *struct{ ID, Email, Name, Role string }
		}
		cases := []struct {
			name      string
			token     string
			wantEmail string // "" for a refusal
			wantRole  string
		}{
			{"new person, mapped role", sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["groups"] = []string{"staff", "newsroom-desk"} })), "sam@news.example", "EDITOR"},
			{"highest mapped role wins", sign(t, idp.key, claims("lee@news.example", func(c map[string]any) { c["groups"] = []string{"newsroom-desk", "newsroom-admins"} })), "lee@news.example", "ADMIN"},
			{"existing account, no role claim", sign(t, idp.key, claims("Ana@News.example", nil)), "ana@news.example", "CONTRIBUTOR"},
			{"access token with a list audience", sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["aud"] = []string{"other-api", audience}; c["groups"] = "newsroom-desk" })), "sam@news.example", "EDITOR"},
			{"wrong audience", sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["aud"] = "another-app" })), "", ""},
			{"expired", sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })), "", ""},
			{"bad signature", sign(t, other, claims("sam@news.example", nil)), "", ""},
			{"unknown issuer", sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["iss"] = "https://login.example.org" })), "", ""},
			{"unverified email", sign(t, idp.key, claims("eve@news.example", func(c map[string]any) { c["email_verified"] = false })), "", ""},
			{"tampered payload", tamper(sign(t, idp.key, claims("sam@news.example", nil))), "", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := s.Do(t, testserver.Request{Token: c.token, Query: `{ me { id email name role } }`})
				if c.wantEmail == "" {
					if r.Status != http.StatusUnauthorized || !slices.Equal(r.Codes(), []string{"UNAUTHENTICATED"}) {
						t.Fatalf("HTTP %d %s, want 401 UNAUTHENTICATED", r.Status, r.Body)
					}
					return
				}
				var got me
				r.Decode(t, &got)
				if len(r.Codes()) > 0 || got.Me == nil || got.Me.Email != c.wantEmail || got.Me.Role != c.wantRole {
					t.Fatalf("me = %s, want %s as %s", r.Body, c.wantEmail, c.wantRole)
				}
			})
		}

		t.Run("linked by email and named in the audit log", func(t *testing.T) {
			ana := sign(t, idp.key, claims("ana@news.example", nil))
			var got me
			s.MustData(t, testserver.Request{Token: ana, Query: `{ me { id } }`}, &got)
			if got.Me == nil || got.Me.ID != strconv.FormatUint(existing.ID, 10) {
				t.Fatalf("me %+v, want the existing account %d", got.Me, existing.ID)
			}
			sam := sign(t, idp.key, claims("sam@news.example", func(c map[string]any) { c["groups"] = "newsroom-desk" }))
			if p := create(t, s, sam, map[string]any{"title": "Signed on"}); p.Article == nil {
				t.Fatalf("an editor by single sign-on could not create: %+v", p.UserErrors)
			}
			admin := sign(t, idp.key, claims("lee@news.example", func(c map[string]any) { c["groups"] = []string{"newsroom-admins"} }))
			var audit struct {
				AuditLog struct {
					Nodes []struct {
						Actor, Action string
						Account       *struct{ Email string }
					}
				}
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `{ auditLog(first: 1) { nodes { actor action account { email } } } }`}, &audit)
			if n := audit.AuditLog.Nodes; len(n) != 1 || n[0].Action != "article.create" || n[0].Actor != "sso:sam@news.example" || n[0].Account == nil || n[0].Account.Email != "sam@news.example" {
				t.Errorf("audit %+v, want article.create by sso:sam@news.example", n)
			}
			var accounts struct {
				Accounts []struct{ Email, Role string }
			}
			s.MustData(t, testserver.Request{Token: admin, Query: `{ accounts { email role } }`}, &accounts)
			if len(accounts.Accounts) != 3 {
				t.Errorf("accounts %+v, want ana, lee and sam", accounts.Accounts)
			}
		})

		t.Run("API tokens still work", func(t *testing.T) {
			var got me
			r := s.MustData(t, testserver.Request{Token: apiToken, Query: `{ me { id } }`}, &got)
			if got.Me != nil || len(r.Codes()) > 0 {
				t.Errorf("an accountless API token: %s, want me null", r.Body)
			}
		})
	})
}

// tamper changes one character of a JWT's payload.
func tamper(tok string) string {
	b := []byte(tok)
	for i := len(b) / 2; i < len(b); i++ {
		if b[i] != '.' {
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			break
		}
	}
	return string(b)
}

// TestSingleSignOnProviderDown: while the issuer cannot be reached, its
// tokens get 503 UNAVAILABLE (not a refusal: the person did nothing wrong),
// and API tokens keep working.
func TestSingleSignOnProviderDown(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		idp := newProvider(t)
		issuer := idp.URL
		idp.Close()
		s := testserver.New(t, db, nil, func(c *server.Config) {
			tokens, err := auth.NewTokens(store.New(db)).WithOIDC(auth.OIDCConfig{Issuer: issuer, Audience: "broadsheet-api"}, store.New(db))
			if err != nil {
				t.Fatal(err)
			}
			c.Authenticate = tokens.Authenticate
		})
		tok := sign(t, idp.key, map[string]any{"iss": issuer, "aud": "broadsheet-api", "email": "sam@news.example", "exp": time.Now().Add(time.Hour).Unix()})
		r := s.Do(t, testserver.Request{Token: tok, Query: `{ me { email } }`})
		if r.Status != http.StatusServiceUnavailable || !slices.Equal(r.Codes(), []string{"UNAVAILABLE"}) {
			t.Errorf("HTTP %d %s, want 503 UNAVAILABLE", r.Status, r.Body)
		}
		api := s.Token(t, "desk", auth.Editor)
		if r := s.Do(t, testserver.Request{Token: api, Query: `{ me { email } }`}); r.Status != http.StatusOK || len(r.Codes()) > 0 {
			t.Errorf("an API token while the provider is down: HTTP %d %s", r.Status, r.Body)
		}
	})
}
