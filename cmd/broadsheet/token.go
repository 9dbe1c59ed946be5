package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/store"
)

// token manages API tokens: create (printed once), list and revoke.
func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs, args, err := pickSubcommand("token", "Manage the API tokens editorial tools use (Authorization: Bearer TOKEN).", []subcommand{
		{"create", "create", "Issue an API token. The token is printed once, as the last line of the\noutput; only its hash is stored."},
		{"list", "list", "List API tokens: name, role, creation, last use (to the minute), expiry and revocation."},
		{"revoke", "revoke NAME", "Revoke the named API token; requests using it are refused from now on."},
	}, args, stdout, stderr)
	if err != nil {
		return err
	}
	dbURL := dbFlag(fs.FlagSet)
	create := createFlag(fs.FlagSet)
	name, role, expires, accountEmail := new(string), new(string), new(time.Duration), new(string)
	if sub == "create" { // the other subcommands take no such flags
		name = fs.String("name", "", "the token's name, e.g. the tool or person using it")
		accountEmail = fs.String("account", "", "the email of the account the token acts for: its changes name the person, and its role is at most the account's (default role: the account's); a contributor token needs one")
		expires = fs.Duration("expires", 0, "how long the token works, e.g. 720h (default: until revoked); when it runs out, requests with it are refused and its open websockets and SSE streams end")
		role = fs.String("role", "", "reader, contributor, editor or admin (default: the account's role, else editor; a reader token sees what anyone sees, with its own rate budget: for a frontend's server)")
	}
	var rest []string
	if sub == "revoke" {
		// The name is positional, before or after the flags: token revoke
		// NAME --db … or token revoke --db … NAME. A first, silent pass
		// finds a name after flags; parse below reports any error.
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			rest, args = args[:1], args[1:]
		} else if fs.Parse(args) == nil && fs.NArg() > 0 {
			rest, args = fs.Args()[:1], fs.Args()[1:]
		}
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	db, err := openQuietly(ctx, *dbURL, *create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	tokens := auth.NewTokens(store.New(db))
	switch sub {
	case "create":
		if *name == "" {
			fmt.Fprintln(stderr, "broadsheet token create: --name is required")
			return errUsage
		}
		if *expires < 0 {
			fmt.Fprintf(stderr, "broadsheet token create: --expires %v is in the past\n", *expires)
			return errUsage
		}
		spec, err := tokenSpec(ctx, store.New(db), *name, *role, *accountEmail, *expires)
		if err != nil {
			fmt.Fprintf(stderr, "broadsheet token create: %v\n", err)
			return errUsage
		}
		r := spec.Role
		tok, err := tokens.CreateFor(ctx, spec)
		if err != nil {
			return err
		}
		until := ""
		if *expires > 0 {
			until = fmt.Sprintf(", valid until %s", time.Now().Add(*expires).UTC().Format(time.RFC3339))
		}
		if spec.Account != nil {
			until += " for " + spec.Account.Email
		}
		fmt.Fprintf(stdout, "Created %s token %q%s. Keep it secret; it is shown only once:\n%s\n", r, *name, until, tok)
	case "list":
		list, err := tokens.List(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-30s %-11s %-20s %-20s %-20s %-20s %s\n", "NAME", "ROLE", "CREATED", "LAST USED", "EXPIRES", "REVOKED", "ACCOUNT")
		emails, err := accountEmails(ctx, store.New(db))
		if err != nil {
			return err
		}
		when := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format(time.RFC3339)
		}
		for _, t := range list {
			acc := "-"
			if t.AccountID != nil {
				acc = emails[*t.AccountID]
			}
			fmt.Fprintf(stdout, "%-30s %-11s %-20s %-20s %-20s %-20s %s\n", t.Name, t.Role, t.CreatedAt.UTC().Format(time.RFC3339), when(t.LastUsedAt), when(t.ExpiresAt), when(t.RevokedAt), acc)
		}
	case "revoke":
		if len(rest) == 0 {
			fmt.Fprintln(stderr, "broadsheet token revoke: name the token to revoke")
			return errUsage
		}
		if err := tokens.Revoke(ctx, rest[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked token %q\n", rest[0])
	}
	return nil
}
