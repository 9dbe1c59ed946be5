package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/store"
)

// account manages the newsroom's accounts: create and list.
func account(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs, args, err := pickSubcommand("account", "Manage the people of the newsroom: API tokens and single sign-on act as an account.", []subcommand{
		{"create", "create", "Add a person of the newsroom. Issue API tokens for them with\n'broadsheet token create --account EMAIL'."},
		{"update", "update", "Change a person's role, name or byline. A lower role holds for every\ntoken of theirs within a second."},
		{"list", "list", "List accounts: id, email, role, creation and name."},
	}, args, stdout, stderr)
	if err != nil {
		return err
	}
	dbURL := dbFlag(fs.FlagSet)
	create := createFlag(fs.FlagSet)
	email, name, role, author := new(string), new(string), new(string), new(string)
	switch sub {
	case "create":
		email = fs.String("email", "", "the person's email address (unique; single sign-on links by it)")
		name = fs.String("name", "", "the person's name")
		role = fs.String("role", "contributor", "reader, contributor, editor or admin")
		author = fs.String("author", "", "slug of the person's author (byline): a contributor may change the articles it is credited on")
	case "update":
		email = fs.String("email", "", "the account's email address")
		name = fs.String("name", "", "a new name (default: unchanged)")
		role = fs.String("role", "", "a new role: reader, contributor, editor or admin (default: unchanged)")
		author = fs.String("author", "", "slug of the person's author (byline); - unlinks it (default: unchanged)")
	}
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	db, err := openQuietly(ctx, *dbURL, *create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	st := store.New(db)
	switch sub {
	case "create":
		r, err := auth.ParseRole(*role)
		if err != nil {
			fmt.Fprintf(stderr, "broadsheet account create: %v\n", err)
			return errUsage
		}
		in := auth.AccountInput{Email: *email, Name: *name, Role: r}
		if *author != "" {
			au, err := st.AuthorBySlug(ctx, *author)
			if err != nil {
				return err
			}
			if au == nil {
				fmt.Fprintf(stderr, "broadsheet account create: no author with slug %q\n", *author)
				return errUsage
			}
			in.AuthorID = au.ID
		}
		a, err := content.New(content.StorageOf(st)).CreateAccount(content.AsSystem(ctx, "cli"), in)
		if err != nil {
			if apperr.KindOf(err) == apperr.Invalid || apperr.KindOf(err) == apperr.Conflict {
				fmt.Fprintf(stderr, "broadsheet account create: %v\n", err)
				return errUsage
			}
			return err
		}
		fmt.Fprintf(stdout, "Created %s account %s (%s), id %d\n", a.Role, a.Email, a.Name, a.ID)
	case "update":
		return updateAccount(ctx, st, *email, *name, *role, *author, stdout, stderr)
	case "list":
		list, err := st.ListAccounts(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-6s %-40s %-11s %-20s %s\n", "ID", "EMAIL", "ROLE", "CREATED", "NAME")
		for _, a := range list {
			fmt.Fprintf(stdout, "%-6d %-40s %-11s %-20s %s\n", a.ID, a.Email, a.Role, a.CreatedAt.UTC().Format(time.RFC3339), a.Name)
		}
	}
	return nil
}

// updateAccount is account update: the changes the flags ask for.
func updateAccount(ctx context.Context, st *store.Store, email, name, role, author string, stdout, stderr io.Writer) error {
	var ch content.AccountChanges
	if name != "" {
		ch.Name = &name
	}
	if role != "" {
		r, err := auth.ParseRole(role)
		if err != nil {
			fmt.Fprintf(stderr, "broadsheet account update: %v\n", err)
			return errUsage
		}
		ch.Role = &r
	}
	switch author {
	case "":
	case "-":
		var none uint64
		ch.AuthorID = &none
	default:
		au, err := st.AuthorBySlug(ctx, author)
		if err != nil {
			return err
		}
		if au == nil {
			fmt.Fprintf(stderr, "broadsheet account update: no author with slug %q\n", author)
			return errUsage
		}
		ch.AuthorID = &au.ID
	}
	if email == "" || (ch.Name == nil && ch.Role == nil && ch.AuthorID == nil) {
		fmt.Fprintln(stderr, "broadsheet account update: give --email and at least one of --role, --name, --author")
		return errUsage
	}
	a, err := content.New(content.StorageOf(st)).UpdateAccount(content.AsSystem(ctx, "cli"), email, ch)
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.Invalid, apperr.NotFound:
			fmt.Fprintf(stderr, "broadsheet account update: %v\n", err)
			return errUsage
		}
		return err
	}
	fmt.Fprintf(stdout, "Updated account %s: %s, %s\n", a.Email, a.Role, a.Name)
	return nil
}

// tokenSpec resolves token create's flags: the account by email, and the
// role (the account's when not given; editor without an account).
func tokenSpec(ctx context.Context, st *store.Store, name, role, email string, ttl time.Duration) (auth.TokenSpec, error) {
	spec := auth.TokenSpec{Name: name, TTL: ttl, Role: auth.Editor}
	if email != "" {
		a, err := auth.NewAccounts(st).ByEmail(ctx, email)
		if err != nil {
			return spec, err
		}
		if a == nil {
			return spec, fmt.Errorf("no account with email %q (add it with 'broadsheet account create')", email)
		}
		spec.Account = a
		if spec.Role, err = auth.ParseRole(a.Role); err != nil {
			return spec, err
		}
	}
	if role != "" {
		r, err := auth.ParseRole(role)
		if err != nil {
			return spec, err
		}
		spec.Role = r
	}
	if spec.Role == auth.Contributor && spec.Account == nil {
		return spec, fmt.Errorf("a contributor token needs --account: a contributor changes only its own articles")
	}
	return spec, nil
}

// accountEmails maps account ids to emails, for listings.
func accountEmails(ctx context.Context, st *store.Store) (map[uint64]string, error) {
	list, err := st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[uint64]string, len(list))
	for _, a := range list {
		m[a.ID] = a.Email
	}
	return m, nil
}
