package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/testserver"
	"github.com/broadsheet/broadsheet/internal/testkit/wait"
)

// TestAccountCommands: accounts are created and listed with the real
// binary; a token created --account acts as that person, with the
// account's role by default and never more.
func TestAccountCommands(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "people.db")
	if r := runBin(t, bin, nil, "migrate", "--db", dbURL); r.code != 0 {
		t.Fatalf("migrate: %s", r.stderr)
	}
	var contribToken string
	cases := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrLine string
	}{
		{"account help", []string{"account", "--help"}, 0, "create|update|list", ""},
		{"account without subcommand", []string{"account"}, 2, "", "want create, update or list"},
		{"create", []string{"account", "create", "--email", "Ana@News.example", "--name", "Ana Freelance", "--role", "contributor", "--db", dbURL}, 0, "Created contributor account ana@news.example (Ana Freelance)", ""},
		{"create editor", []string{"account", "create", "--email", "ed@news.example", "--name", "Ed", "--role", "editor", "--db", dbURL}, 0, "Created editor account ed@news.example", ""},
		{"duplicate email", []string{"account", "create", "--email", "ana@news.example", "--name", "Again", "--db", dbURL}, 2, "", "exists already"},
		{"bad email", []string{"account", "create", "--email", "not-an-address", "--name", "X", "--db", dbURL}, 2, "", "is not an address"},
		{"bad role", []string{"account", "create", "--email", "x@news.example", "--name", "X", "--role", "owner", "--db", dbURL}, 2, "", "want reader, contributor, editor or admin"},
		{"unknown author", []string{"account", "create", "--email", "x@news.example", "--name", "X", "--author", "nobody", "--db", dbURL}, 2, "", `no author with slug "nobody"`},
		{"list", []string{"account", "list", "--db", dbURL}, 0, "ana@news.example", ""},
		{"token for an account", []string{"token", "create", "--name", "ana-laptop", "--account", "ana@news.example", "--db", dbURL}, 0, "Created contributor token \"ana-laptop\" for ana@news.example", ""},
		{"token above the account's role", []string{"token", "create", "--name", "ana-admin", "--account", "ana@news.example", "--role", "admin", "--db", dbURL}, 1, "", "its token cannot be admin"},
		{"token for an unknown account", []string{"token", "create", "--name", "ghost", "--account", "ghost@news.example", "--db", dbURL}, 2, "", `no account with email "ghost@news.example"`},
		{"contributor token without an account", []string{"token", "create", "--name", "anon", "--role", "contributor", "--db", dbURL}, 2, "", "a contributor token needs --account"},
		{"token list names the account", []string{"token", "list", "--db", dbURL}, 0, "ana@news.example", ""},
		{"update unknown account", []string{"account", "update", "--email", "ghost@news.example", "--role", "editor", "--db", dbURL}, 2, "", "no account with email"},
		{"update without a change", []string{"account", "update", "--email", "ana@news.example", "--db", dbURL}, 2, "", "at least one of --role, --name, --author"},
		{"update name", []string{"account", "update", "--email", "ana@news.example", "--name", "Ana Lima", "--db", dbURL}, 0, "Updated account ana@news.example: contributor, Ana Lima", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runBin(t, bin, nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderrLine) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stdout ~ %q, stderr ~ %q", r.code, tc.code, r.stdout, r.stderr, tc.stdout, tc.stderrLine)
			}
			if tc.name == "token for an account" {
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				contribToken = lines[len(lines)-1]
			}
		})
	}

	t.Run("the token acts as the account", func(t *testing.T) {
		db, err := dbconn.Open(context.Background(), dbURL, dbconn.Options{MustExist: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s := testserver.New(t, db, nil)
		var got struct{ Me *struct{ Email, Role string } }
		s.MustData(t, testserver.Request{Token: contribToken, Query: `{ me { email role } }`}, &got)
		if got.Me == nil || got.Me.Email != "ana@news.example" || got.Me.Role != "CONTRIBUTOR" {
			t.Errorf("me = %+v, want ana@news.example as CONTRIBUTOR", got.Me)
		}
		create := testserver.Request{Token: contribToken, Query: `mutation { createArticle(input: {title: "Still writing?"}) { article { id } } }`}
		if r := s.Do(t, create); len(r.Codes()) > 0 {
			t.Fatalf("a contributor's draft: %s", r.Body)
		}
		if r := runBin(t, bin, nil, "account", "update", "--email", "ana@news.example", "--role", "reader", "--db", dbURL); r.code != 0 {
			t.Fatalf("account update: %s", r.stderr)
		}
		wait.Until(t, "the lowered role to hold for ana's token", func() bool {
			codes := s.Do(t, create).Codes()
			return len(codes) == 1 && codes[0] == "FORBIDDEN"
		})
	})
}
