package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/content/demo"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// migrate applies pending migrations and exits.
func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", "Apply every pending database migration and exit.", stdout, stderr)
	dbURL := dbFlag(fs.FlagSet)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	db, err := dbconn.Open(ctx, *dbURL, dbconn.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); schema version %d\n", n, v)
	return nil
}

// seed adds the demo content or synthetic articles to a database.
func seed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("seed", "Add content: the demo publication (--demo) or N synthetic articles for\nbenchmarks (--synthetic N). Migrations are applied first.", stdout, stderr)
	dbURL := dbFlag(fs.FlagSet)
	withDemo := fs.Bool("demo", false, "add the demo content (refused when the database already has content)")
	synthetic := fs.Int("synthetic", 0, "add this many synthetic articles with authors, sections and tags")
	rngSeed := fs.Uint64("seed", 1, "random seed for --synthetic")
	create := createFlag(fs.FlagSet)
	var e envs
	mf := addMediaFlags(fs.FlagSet, &e)
	locales := localesFlag(fs.FlagSet)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if len(e.errs) > 0 {
		fmt.Fprintf(stderr, "broadsheet seed: %s\n", strings.Join(e.errs, "; "))
		return errUsage
	}
	localeSet, err := parseLocales("seed", *locales, stderr)
	if err != nil {
		return err
	}
	if !*withDemo && *synthetic <= 0 {
		fmt.Fprintln(stderr, "broadsheet seed: pass --demo or --synthetic N (run 'broadsheet seed --help')")
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	db, err := openExisting(ctx, *dbURL, *create, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := store.New(db).AssignDefaultLocale(ctx, localeSet.Default()); err != nil {
		return err
	}
	svc := content.New(content.StorageOf(store.New(db)), content.WithLocales(localeSet))
	if *withDemo {
		empty, err := demo.Empty(ctx, demo.StorageOf(store.New(db)))
		if err != nil {
			return err
		}
		if !empty {
			return errors.New("the database already has content; demo content goes into an empty database")
		}
		// The covers go to the media library the server will use.
		var cfg app.Config
		mf.apply(&cfg, *dbURL, "")
		lib, closeLib, err := app.OpenMedia(ctx, store.New(db), db.Dialect, cfg.Media, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer closeLib()
		if err := demo.Seed(ctx, svc, demo.WithCovers(lib)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added demo content: %d articles, %d authors, %d sections\n", len(demo.Articles), len(demo.Authors), len(demo.Categories))
	}
	if *synthetic > 0 {
		start := time.Now()
		err := demo.Synthetic(ctx, demo.StorageOf(store.New(db)), svc, *synthetic, demo.SyntheticOptions{Seed: *rngSeed, Progress: func(done int) {
			if done%10000 == 0 || done == *synthetic {
				fmt.Fprintf(stdout, "  %d/%d articles\n", done, *synthetic)
			}
		}})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added %d synthetic articles in %s\n", *synthetic, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// related rebuilds the automatic related-article suggestions. They are
// kept up to date article by article as content changes; a rebuild
// re-converges them after bulk imports or direct database edits, or after
// an upgrade that changes how they are scored.
func related(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, "Usage: broadsheet related rebuild [flags]\n\nRecompute every article's related-article suggestions from scratch.\n")
			return flag.ErrHelp
		}
		fmt.Fprintln(stderr, "broadsheet related: want rebuild (run 'broadsheet related rebuild --help')")
		return errUsage
	}
	fs := flagSet("related rebuild", "Recompute every article's related-article suggestions from scratch, in one\n"+
		"transaction: readers see the old lists until it commits. Editors' picks\n"+
		"are kept. Answers cached before it (response cache, CDN) expire within\n"+
		"their max-age. Migrations are applied first.", stdout, stderr)
	dbURL := dbFlag(fs.FlagSet)
	create := createFlag(fs.FlagSet)
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	db, err := openQuietly(ctx, *dbURL, *create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := content.New(content.StorageOf(store.New(db))).RebuildRelated(ctx)
	if err != nil {
		return fmt.Errorf("rebuild related articles: %w", err)
	}
	fmt.Fprintf(stdout, "rebuilt the related-article suggestions of %d articles in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
