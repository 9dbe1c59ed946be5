// Command broadsheet runs the Broadsheet GraphQL content gateway and its
// maintenance tasks (migrations, demo and synthetic content).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/webhooks"
)

const usage = `broadsheet — a GraphQL content gateway for newsrooms

Usage:
  broadsheet [serve] [flags]          run the server (the default)
  broadsheet migrate [flags]          apply database migrations and exit
  broadsheet seed --demo [flags]      add the demo content
  broadsheet seed --synthetic N       add N synthetic articles (benchmarks)
  broadsheet token create --name NAME --role reader|contributor|editor|admin
                     [--account EMAIL]
                                      issue an API token (printed once, last line)
  broadsheet token list               list API tokens
  broadsheet token revoke NAME        revoke an API token
  broadsheet account create --email EMAIL --name NAME --role ROLE
                                      add a person of the newsroom
  broadsheet account update --email EMAIL --role ROLE
                                      change a person's role, name or byline
  broadsheet account list             list accounts
  broadsheet related rebuild          recompute every article's related-article
                                      suggestions from scratch
  broadsheet import wordpress|ghost|markdown FILE|DIR
                                      bring in an archive: articles, authors,
                                      sections, tags, covers, redirects from
                                      the old addresses
  broadsheet --version                print the version and source revision

token, account, seed, related and import work on an existing, migrated database (run
migrate or start the server first) unless given --create.

Every command takes --db (env BROADSHEET_DB):
  sqlite:PATH                                the embedded default (sqlite:broadsheet.db)
  mysql://USER:PASS@HOST:PORT/DBNAME?params  MySQL 8 or MariaDB 10.11+

Run 'broadsheet COMMAND --help' for a command's flags.
`

func main() {
	// Broadsheet's live heap is small and its garbage plentiful (every
	// request builds a response tree): collecting less often saves about a
	// fifth of the CPU per request for some tens of MiB. GOGC overrides it.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// With GOGC at 400 the heap may grow to five times what is live, and a
	// burst of large documents (each cache bounded, but the garbage they
	// leave is not) would keep hundreds of MiB that the process never gives
	// back. A soft limit makes the collector work harder near it and return
	// memory to the system; serve raises it with each live subscriber
	// (app.MemoryPerSubscriber). GOMEMLIMIT overrides both.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// defaultMemoryLimit is the soft memory limit when GOMEMLIMIT is unset.
const defaultMemoryLimit = 192 << 20

// errUsage marks a bad command line; the message has been printed.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdout, usage)
		return 0
	} else if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		fmt.Fprintln(stdout, version())
		return 0
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr)
	case "migrate":
		err = migrate(ctx, args, stdout, stderr)
	case "seed":
		err = seed(ctx, args, stdout, stderr)
	case "token":
		err = token(ctx, args, stdout, stderr)
	case "account":
		err = account(ctx, args, stdout, stderr)
	case "related":
		err = related(ctx, args, stdout, stderr)
	case "import":
		err = importCmd(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version":
		fmt.Fprintln(stdout, version())
		return 0
	default:
		fmt.Fprintf(stderr, "broadsheet: unknown command %q (run 'broadsheet --help')\n", cmd)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "broadsheet %s: %v\n", cmd, err)
		return 1
	}
}

// flagSet returns a flag set that prints usage to stdout on --help and one
// clear line on a bad flag.
func flagSet(name, summary string, stdout, stderr io.Writer) *flagSetWithHelp {
	fs := flag.NewFlagSet("broadsheet "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every parse error too; parse prints
	// the help for -h/--help only, and one line otherwise.
	fs.Usage = func() {}
	return &flagSetWithHelp{FlagSet: fs, help: func() {
		fmt.Fprintf(stdout, "Usage: broadsheet %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

// flagSetWithHelp is a command's flags and its --help text.
type flagSetWithHelp struct {
	*flag.FlagSet
	help func()
}

func parse(fs *flagSetWithHelp, args []string, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.help()
			return flag.ErrHelp
		}
		fmt.Fprintf(stderr, "%s: %v (run '%s --help')\n", fs.Name(), err, fs.Name())
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (run '%s --help')\n", fs.Name(), fs.Arg(0), fs.Name())
		return errUsage
	}
	return nil
}

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", env("BROADSHEET_DB", dbconn.DefaultURL), "database URL: sqlite:PATH or mysql://USER:PASS@HOST:PORT/DBNAME (env BROADSHEET_DB)")
}

// openDB connects and migrates.
func openDB(ctx context.Context, url string, log *slog.Logger, opts dbconn.Options) (*dbconn.DB, error) {
	db, err := dbconn.Open(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("applied migrations", "count", n)
	}
	return db, nil
}

// createFlag is the one-shot commands' --create.
func createFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("create", false, "create and migrate the database when it does not exist yet (default: refuse, so a command run from the wrong directory does not start an empty database)")
}

// openExisting opens and migrates the database for a one-shot command. It
// refuses a database that was never migrated (and, for SQLite, one that
// does not exist) unless create: a token issued into a new, empty file the
// server never reads is worse than an error.
func openExisting(ctx context.Context, url string, create bool, log *slog.Logger) (*dbconn.DB, error) {
	where := absURL(url)
	noSchema := fmt.Errorf("database %s has no Broadsheet schema; run 'broadsheet migrate --db %s' first, or pass --create", where, where)
	if !create && emptySQLiteFile(url) {
		// Opening it would write SQLite's header: refuse without touching it.
		return nil, noSchema
	}
	db, err := dbconn.Open(ctx, url, dbconn.Options{MustExist: !create})
	if errors.Is(err, dbconn.ErrNoDatabase) {
		return nil, fmt.Errorf("%w; run 'broadsheet migrate --db %s' (or start the server) first, or pass --create", err, where)
	}
	if err != nil {
		return nil, err
	}
	if !create && !db.Migrator().HasTable(dbconn.MigrationsTable) {
		db.Close()
		return nil, noSchema
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("applied migrations", "count", n)
	}
	return db, nil
}

// absURL is url safe to print, an SQLite path made absolute: the hint to
// run migrate must name the file that was looked for, wherever it is run.
func absURL(url string) string {
	t, err := dbconn.Parse(url)
	if err != nil || t.Dialect != dbconn.SQLite || strings.Contains(t.Path, ":memory:") {
		return dbconn.MustRedact(url)
	}
	abs, err := filepath.Abs(t.Path)
	if err != nil {
		return dbconn.MustRedact(url)
	}
	return "sqlite:" + abs
}

// emptySQLiteFile reports whether url names an existing SQLite file of 0 bytes.
func emptySQLiteFile(url string) bool {
	t, err := dbconn.Parse(url)
	if err != nil || t.Dialect != dbconn.SQLite {
		return false
	}
	st, err := os.Stat(t.Path)
	return err == nil && st.Mode().IsRegular() && st.Size() == 0
}

// openQuietly is openExisting logging only warnings (a one-shot command's
// output is for the user, not a log).
func openQuietly(ctx context.Context, url string, create bool, stderr io.Writer) (*dbconn.DB, error) {
	// The MySQL driver's own lines (a dropped connection) would add to the
	// one line a failure prints; the error it returns says what matters.
	mysqldriver.SetLogger(driverLog{slog.New(slog.DiscardHandler)})
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return openExisting(ctx, url, create, log)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("serve", "Run the GraphQL server. On the embedded default (SQLite) an empty database\nis created, migrated and filled with demo content on first start.", stdout, stderr)
	addr := fs.String("addr", env("BROADSHEET_ADDR", ":8080"), "listen address (env BROADSHEET_ADDR)")
	dbURL := dbFlag(fs.FlagSet)
	noDemo := fs.Bool("no-demo", false, "do not add demo content to an empty embedded database")
	logFormat := fs.String("log-format", env("BROADSHEET_LOG_FORMAT", "text"), "log format: text or json (env BROADSHEET_LOG_FORMAT)")
	logLevel := fs.String("log-level", env("BROADSHEET_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env BROADSHEET_LOG_LEVEL)")
	grace := fs.Duration("shutdown-grace", 15*time.Second, "how long to let in-flight requests finish on SIGTERM")
	sweep := fs.Duration("schedule-sweep", 30*time.Second, "how often to look for scheduled articles that are due, besides waking at each one's time")
	publicURL := fs.String("public-url", env("BROADSHEET_PUBLIC_URL", ""), "public base URL of the site, for links in emails and articles' addresses ({publicUrl}) (env BROADSHEET_PUBLIC_URL; default http://localhost:PORT)")
	smtpURL := fs.String("smtp-url", env("BROADSHEET_SMTP_URL", ""), "send email through smtp://[user:pass@]host:port?from=ADDRESS (smtps:// for TLS, &tls=none for a local relay); unset: emails go to the log (env BROADSHEET_SMTP_URL)")
	allowPrivate := fs.Bool("webhooks-allow-private", os.Getenv("BROADSHEET_WEBHOOKS_ALLOW_PRIVATE") == "1", "let webhooks target loopback and private addresses (local development only; env BROADSHEET_WEBHOOKS_ALLOW_PRIVATE=1)")
	hookAttempts := fs.Int("webhook-max-attempts", 10, "attempts before a webhook delivery is marked failed")
	sso := oidcFlags(fs.FlagSet)
	embeds := fs.String("embed-providers", env("BROADSHEET_EMBED_PROVIDERS", "all"), "comma-separated providers whose URLs, alone on a line of an article body, become embeds (and whose players iframes may load): "+strings.Join(markdown.ProviderNames(), ", ")+"; all or none (env BROADSHEET_EMBED_PROVIDERS)")
	locales := localesFlag(fs.FlagSet)
	lf := liveFlags(fs.FlagSet)
	ops := addOpsFlags(fs.FlagSet)
	dist := addDistFlags(fs.FlagSet)
	pf := addPreviewFlags(fs.FlagSet)
	feedOpts := addFeedFlags(fs.FlagSet)
	mf := addMediaFlags(fs.FlagSet, &ops.env)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	explicitPublicURL := *publicURL
	if err := feedOpts.check(fs.FlagSet, stderr); err != nil {
		return err
	}
	if err := pf.check(stderr); err != nil {
		return err
	}
	if err := dist.check(fs.FlagSet, *publicURL, stderr); err != nil {
		return err
	}
	lcfg, err := lf.config()
	if err != nil {
		fmt.Fprintf(stderr, "broadsheet serve: %v (run 'broadsheet serve --help')\n", err)
		return errUsage
	}
	localeSet, err := parseLocales("serve", *locales, stderr)
	if err != nil {
		return err
	}
	if err := ops.check(fs.FlagSet, stderr); err != nil {
		return err
	}
	providers, err := embedProviders(*embeds)
	if err != nil {
		fmt.Fprintf(stderr, "broadsheet serve: --embed-providers: %v (run 'broadsheet serve --help')\n", err)
		return errUsage
	}
	log, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	// The MySQL driver, the Redis client and the standard library's logger
	// (used by gqlgen) write on loggers of their own; route them through
	// ours so that JSON logs stay JSON.
	mysqldriver.SetLogger(driverLog{log})
	redis.SetLogger(redisLog{log})
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := openDB(ctx, *dbURL, log, dbconn.Options{Replicas: ops.replicaURLs()})
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + displayAddr(ln.Addr())
	if *publicURL == "" {
		*publicURL = base
	}
	pub, err := dist.publication(*publicURL)
	if err != nil {
		ln.Close()
		return err
	}
	oidc, err := sso.config()
	if err != nil {
		ln.Close()
		fmt.Fprintf(stderr, "broadsheet serve: %v\n", err)
		return errUsage
	}
	cfg := app.Config{DB: db, Logger: log, Live: lcfg, OIDC: oidc, Demo: !*noDemo, ScheduleSweep: *sweep, PublicURL: *publicURL, SMTPURL: *smtpURL,
		Webhooks: webhooks.Config{AllowPrivate: *allowPrivate, MaxAttempts: *hookAttempts}, Grace: *grace, Publication: pub, EmbedProviders: providers, Locales: localeSet}
	ops.apply(&cfg)
	pf.apply(&cfg)
	feedOpts.apply(&cfg)
	mf.apply(&cfg, *dbURL, explicitPublicURL)
	if os.Getenv("GOMEMLIMIT") == "" {
		cfg.MemoryLimit = defaultMemoryLimit
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.Close(closeCtx)
	}()
	if *logFormat == "json" {
		// Log collectors merge stdout and stderr: in JSON mode every line
		// is JSON, the banner too.
		slog.New(slog.NewJSONHandler(stdout, nil)).Info("Broadsheet is serving",
			"db", dbconn.MustRedact(*dbURL), "GraphiQL", base+"/", "GraphQL", base+"/graphql")
	} else {
		fmt.Fprintf(stdout, "Broadsheet is serving %s\n  GraphiQL:  %s/\n  GraphQL:   %s/graphql\n", dbconn.MustRedact(*dbURL), base, base)
	}
	if err := a.Serve(ctx, ln); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// embedProviders reads --embed-providers: all (nil), none (empty) or a
// comma-separated list of provider names, each checked.
func embedProviders(v string) ([]string, error) {
	switch strings.TrimSpace(strings.ToLower(v)) {
	case "", "all":
		return nil, nil
	case "none":
		return []string{}, nil
	}
	names := strings.Split(v, ",")
	if _, err := markdown.NewWith(markdown.Config{EmbedProviders: names}); err != nil {
		return nil, err
	}
	return names, nil
}

// displayAddr turns a listener address into one a browser can open.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// driverLog adapts slog to the MySQL driver's logger.
type driverLog struct{ log *slog.Logger }

func (d driverLog) Print(v ...any) {
	d.log.Warn("mysql driver", "msg", strings.TrimSpace(fmt.Sprint(v...)))
}

// redisLog adapts slog to the Redis client's logger (pool and reconnect
// notices), one message per line, cut short.
type redisLog struct{ log *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, v...))
	if len(msg) > 500 {
		msg = msg[:500] + "…"
	}
	r.log.WarnContext(ctx, "redis client", "detail", msg)
}

func describe(bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	v := "broadsheet " + bi.Main.Version
	if rev := settings["vcs.revision"]; rev != "" {
		v += " revision " + rev
		// The pseudo-version already says +dirty; say it once.
		if settings["vcs.modified"] == "true" && !strings.HasSuffix(bi.Main.Version, "+dirty") {
			v += "+dirty"
		}
		if t := settings["vcs.time"]; t != "" {
			v += " (" + t + ")"
		}
	} else {
		v += " revision unknown (built without VCS information)"
	}
	return v + " " + bi.GoVersion
}
