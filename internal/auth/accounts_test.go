package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
)

func TestParseRoleMap(t *testing.T) {
	cases := []struct {
		in      string
		want    map[string]auth.Role
		wantErr string
	}{
		{"", nil, ""},
		{"Newsroom-Admins=admin, desk=editor,freelance=CONTRIBUTOR", map[string]auth.Role{"newsroom-admins": auth.Admin, "desk": auth.Editor, "freelance": auth.Contributor}, ""},
		{"desk", nil, "want VALUE=ROLE"},
		{"=editor", nil, "want VALUE=ROLE"},
		{"desk=owner", nil, `role "owner"`},
	}
	for _, c := range cases {
		got, err := auth.ParseRoleMap(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || len(got) != len(c.want) {
			t.Errorf("%q: %v, %v; want %v", c.in, got, err, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%q: %s → %v, want %v", c.in, k, got[k], v)
			}
		}
	}
}

// TestAccountTokens: a token of an account acts as that account, never
// above the account's role, and follows the account when its role is
// lowered; contributor tokens need an account.
func TestAccountTokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		st := store.New(db)
		accounts, tokens := auth.NewAccounts(st), auth.NewTokens(st)
		ed, err := accounts.Create(ctx, auth.AccountInput{Email: " Ed@News.Example ", Name: "Ed", Role: auth.Editor})
		if err != nil {
			t.Fatal(err)
		}
		if ed.Email != "ed@news.example" {
			t.Errorf("email stored as %q, want lower-case and trimmed", ed.Email)
		}
		if _, err := accounts.Create(ctx, auth.AccountInput{Email: "ed@news.example", Name: "Ed again", Role: auth.Editor}); err == nil || !strings.Contains(err.Error(), "exists already") {
			t.Errorf("a second account with the same email: %v", err)
		}
		refusals := []struct {
			name string
			spec auth.TokenSpec
			want string
		}{
			{"above the account's role", auth.TokenSpec{Name: "ed-admin", Role: auth.Admin, Account: ed}, "cannot be admin"},
			{"contributor without account", auth.TokenSpec{Name: "anon", Role: auth.Contributor}, "needs an account"},
		}
		for _, r := range refusals {
			if _, err := tokens.CreateFor(ctx, r.spec); err == nil || !strings.Contains(err.Error(), r.want) {
				t.Errorf("%s: %v, want %q", r.name, err, r.want)
			}
		}
		tok, err := tokens.CreateFor(ctx, auth.TokenSpec{Name: "ed-cms", Role: auth.Editor, Account: ed})
		if err != nil {
			t.Fatal(err)
		}
		v, err := tokens.ViewerForToken(ctx, tok)
		if err != nil || v.Role != auth.Editor || v.AccountID != ed.ID || v.TokenName != "ed-cms" {
			t.Fatalf("viewer %+v, %v; want editor of account %d", v, err, ed.ID)
		}
		if err := st.SetAccountRole(ctx, ed.ID, "contributor"); err != nil {
			t.Fatal(err)
		}
		wait.Until(t, "the lowered role to hold for the token", func() bool {
			v, err := tokens.ViewerForToken(ctx, tok)
			return err == nil && v.Role == auth.Contributor
		})
	})
}
