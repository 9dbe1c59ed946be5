package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/events"
	"github.com/broadsheet/broadsheet/internal/importer"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

const importUsage = `Usage: broadsheet import wordpress|ghost|markdown FILE|DIR [flags]

Bring an existing archive in: a WordPress export (WXR), a Ghost export
(JSON) or a folder of Markdown files with YAML front matter. Running the
same import again changes nothing; a newer export updates what changed.
Old addresses get 301 redirects to the new ones. Run
'broadsheet import wordpress --help' for the flags.
`

// importCmd runs one importer over one file or folder.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "wordpress" && args[0] != "ghost" && args[0] != "markdown") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, importUsage)
			return flag.ErrHelp
		}
		fmt.Fprint(stderr, "broadsheet import: want wordpress, ghost or markdown (run 'broadsheet import --help')\n")
		return errUsage
	}
	kind := args[0]
	what := map[string]string{"wordpress": "FILE.xml", "ghost": "FILE.json", "markdown": "DIR"}[kind]
	fs := flagSet("import "+kind+" "+what, "Import "+kind+" content. Each batch of articles is one transaction; the file\n"+
		"is checked whole first, so a malformed one imports nothing. Flags go before\nor after the file.", stdout, stderr)
	dbURL := dbFlag(fs.FlagSet)
	create := createFlag(fs.FlagSet)
	dryRun := fs.Bool("dry-run", false, "report what the import would do and write nothing")
	mediaDir := fs.String("media-dir", "", "folder holding the export's uploads (a copy of wp-content/uploads, or Ghost's content/images)")
	fetchMedia := fs.Bool("fetch-media", false, "download covers not found in --media-dir from the old site into the media library, through the webhooks' address guard (public addresses only)")
	oldBase := fs.String("old-base-url", "", "the old site's URL, for its links and pictures (default: the one the export names)")
	locale := fs.String("locale", "", "language of the imported articles, one of --locales (default: the first of --locales)")
	locales := localesFlag(fs.FlagSet)
	pages := fs.Bool("pages", false, "import pages as well as posts (WordPress, Ghost)")
	batch := fs.Int("batch", 200, "articles per transaction")
	publicURL := fs.String("public-url", env("BROADSHEET_PUBLIC_URL", "http://localhost:8080"), "public base URL of the site, as given to serve: redirects lead to the addresses it builds (env BROADSHEET_PUBLIC_URL)")
	dist := addDistFlags(fs.FlagSet)
	var e envs
	mf := addMediaFlags(fs.FlagSet, &e)
	// The file may come before the flags: broadsheet import wordpress x.xml --db …
	rest := args[1:]
	var target string
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		target, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.help()
			return flag.ErrHelp
		}
		fmt.Fprintf(stderr, "%s: %v (run '%s --help')\n", fs.Name(), err, fs.Name())
		return errUsage
	}
	if target == "" && fs.NArg() == 1 {
		target = fs.Arg(0)
	} else if fs.NArg() > 0 || target == "" {
		fmt.Fprintf(stderr, "%s: want one %s (run '%s --help')\n", fs.Name(), what, fs.Name())
		return errUsage
	}
	if err := dist.check(fs.FlagSet, *publicURL, stderr); err != nil {
		return err
	}
	localeSet, err := parseLocales("import", *locales, stderr)
	if err != nil {
		return err
	}
	if *locale != "" {
		if _, err := localeSet.Check("locale", *locale); err != nil {
			fmt.Fprintf(stderr, "%s: --locale %q: want one of --locales (%s)\n", fs.Name(), *locale, strings.Join(localeSet.All(), ", "))
			return errUsage
		}
	}
	if *batch < 1 || *batch > 5000 {
		fmt.Fprintf(stderr, "%s: --batch must be between 1 and 5000\n", fs.Name())
		return errUsage
	}
	if len(e.errs) > 0 {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), strings.Join(e.errs, "; "))
		return errUsage
	}
	if st, err := os.Stat(target); err != nil {
		return err
	} else if st.IsDir() != (kind == "markdown") {
		return fmt.Errorf("%s: want a %s", target, what)
	}

	var src importer.Source
	switch kind {
	case "wordpress":
		src = &importer.WordPress{Path: target, Pages: *pages, OldBase: *oldBase}
	case "ghost":
		src = &importer.Ghost{Path: target, Pages: *pages, OldBase: *oldBase}
	default:
		src = &importer.MarkdownDir{Dir: target, OldBase: *oldBase}
	}
	pub, err := dist.publication(*publicURL)
	if err != nil {
		return err
	}
	db, err := openQuietly(ctx, *dbURL, *create, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	// Running servers' relays deliver the import's one summary event.
	svc := content.New(content.StorageOf(store.New(db)), content.WithPublication(pub), content.WithLocales(localeSet),
		content.WithOutbox([]string{events.ConsumerBroker, events.ConsumerWebhooks}, nil))
	media := &importer.Media{Dir: *mediaDir}
	if *dryRun {
		// Pictures already in the library are found (so a dry run of a
		// second import reports no change); none is uploaded.
		media.Uploader = &importer.Library{Store: store.New(db), DryRun: true}
	} else {
		// Pictures go to the library the server uses (--media, as for serve).
		var cfg app.Config
		mf.apply(&cfg, *dbURL, *publicURL)
		lib, closeLib, err := app.OpenMedia(ctx, store.New(db), db.Dialect, cfg.Media, slog.New(slog.DiscardHandler))
		if err != nil {
			return fmt.Errorf("open the media library: %w", err)
		}
		defer closeLib()
		media.Uploader = &importer.Library{Media: lib, Store: store.New(db)}
		if *fetchMedia {
			media.Client = webhooks.GuardedClient(false, 30*time.Second)
		}
	}
	opt := importer.Options{DryRun: *dryRun, BatchSize: *batch, Locale: *locale, Media: media}
	progress := newProgress(stderr)
	opt.Progress = progress.set
	fmt.Fprintf(stderr, "checking %s …\n", target)
	sum, err := importer.Run(ctx, svc, &countingSource{Source: src, progress: progress}, opt)
	progress.finish()
	if sum != nil {
		sum.Print(stdout)
	}
	return err
}

// countingSource tells the progress display the total once checked.
type countingSource struct {
	importer.Source
	progress *progress
}

func (c *countingSource) Check(ctx context.Context) (int, error) {
	n, err := c.Source.Check(ctx)
	if err == nil {
		c.progress.start(n)
	}
	return n, err
}

// progress is a bar with counts and rate on a terminal, and a plain line
// every 1,000 items (and at the end) on a pipe or file.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar
	total   int
	last    int
	started time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w} }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) start(total int) {
	p.total, p.started = total, time.Now()
	if isTerminal(p.w) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription("importing"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("articles"),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		return
	}
	fmt.Fprintf(p.w, "importing %d items\n", total)
}

func (p *progress) set(done int) {
	if p.bar != nil {
		_ = p.bar.Set(done)
		return
	}
	if done/1000 != p.last/1000 || done == p.total {
		rate := float64(done) / max(time.Since(p.started).Seconds(), 0.001)
		fmt.Fprintf(p.w, "%d/%d items (%.0f/s)\n", done, p.total, rate)
	}
	p.last = done
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
