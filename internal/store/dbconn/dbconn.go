// Package dbconn opens Broadsheet's database from a URL (embedded SQLite or
// MySQL/MariaDB), applies the versioned migrations, and counts the SQL
// statements each request issues.
package dbconn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/ncruces/go-sqlite3/embed" // the SQLite build, compiled to Wasm: no cgo needed
	"github.com/ncruces/go-sqlite3/gormlite"
	"github.com/pressly/goose/v3"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/broadsheet/broadsheet/migrations"
)

// Dialect names the database engine behind a connection.
type Dialect string

// Supported dialects.
const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// DefaultURL is the embedded default database.
const DefaultURL = "sqlite:broadsheet.db"

// DB is an open database with its dialect.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// Health tracks whether the database answers (nil on copies made for
	// transactions).
	Health *Health
	// Replicas are the read replicas' connection pools (none without
	// --db-replicas).
	Replicas []*sql.DB
	writes   *writeHooks
}

// Options tune Open.
type Options struct {
	// Logger receives GORM's log lines; nil silences them.
	Logger logger.Interface
	// Replicas are MySQL read replicas (URLs like the primary's): readers'
	// queries go to them, writes and WithPrimary reads to the primary.
	Replicas []string
	// MustExist refuses to create a new SQLite file (ErrNoDatabase): a
	// command run from the wrong directory must not quietly start an
	// empty database there.
	MustExist bool
}

// Target is a parsed database URL.
type Target struct {
	Dialect Dialect
	// DSN is the driver's data source name.
	DSN string
	// Redacted is the URL with any password masked, safe to print.
	Redacted string
	// Path is an SQLite database's file path (empty for MySQL).
	Path string
}

// MigrationsTable is where the migration tool records what it applied: a
// database without it was never migrated.
const MigrationsTable = "goose_db_version"

// ErrNoDatabase is Open's error, with Options.MustExist, when the SQLite
// file does not exist yet.
var ErrNoDatabase = errors.New("no database file")

// Parse turns a Broadsheet database URL into a driver DSN:
//
//	sqlite:PATH                                  (embedded; PATH may be relative)
//	mysql://USER:PASS@HOST:PORT/DBNAME?params    (MySQL 8 / MariaDB 10.11+)
//	mysql://USER:PASS@/DBNAME?socket=PATH        (the same through a Unix socket)
func Parse(raw string) (Target, error) {
	switch {
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return Target{}, fmt.Errorf("database URL %q: missing file path (e.g. sqlite:broadsheet.db)", raw)
		}
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(wal)")
		q.Add("_pragma", "synchronous(normal)")
		// Keep the query planner's statistics current (SQLite's advice for
		// long-lived connections): without them it scans an author's or a
		// tag's whole list of published articles instead of starting from
		// the link table.
		q.Add("_pragma", "optimize(0x10002)")
		// Write times as fixed-width UTC "2006-01-02 15:04:05" so they sort as
		// strings; read any format SQLite knows (goose writes its own).
		q.Set("_timefmt", "sqlite")
		q.Set("_txlock", "immediate")
		return Target{Dialect: SQLite, DSN: "file:" + path + "?" + q.Encode(), Redacted: raw, Path: path}, nil
	case strings.HasPrefix(raw, "mysql://"):
		u, err := url.Parse(raw)
		if err != nil {
			return Target{}, fmt.Errorf("database URL: %w", err)
		}
		name := strings.TrimPrefix(u.Path, "/")
		socket := u.Query().Get("socket")
		if name == "" || (u.Host == "" && socket == "") {
			return Target{}, fmt.Errorf("database URL %q: want mysql://USER:PASS@HOST:PORT/DBNAME", u.Redacted())
		}
		cfg := mysql.NewConfig()
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
		cfg.Net = "tcp"
		cfg.Addr = u.Host
		if !strings.Contains(u.Host, ":") {
			cfg.Addr += ":3306"
		}
		if socket != "" {
			// A database on the same machine: each statement's round trip
			// costs the server about a third less CPU than over loopback
			// TCP (docs/benchmarks.md).
			cfg.Net, cfg.Addr = "unix", socket
		}
		cfg.DBName = name
		cfg.ParseTime = true
		cfg.Loc = time.UTC
		cfg.Collation = "utf8mb4_unicode_ci"
		cfg.Params = map[string]string{"charset": "utf8mb4", "time_zone": "'+00:00'"}
		// Fail fast when the server does not answer (override with ?timeout=).
		cfg.Timeout = 3 * time.Second
		// Send each query with its arguments in one round trip instead of
		// prepare, execute and close (three): safe with utf8mb4.
		cfg.InterpolateParams = true
		for k, vs := range u.Query() {
			if len(vs) == 0 {
				continue
			}
			if k == "socket" {
				continue
			}
			if k == "timeout" {
				d, err := time.ParseDuration(vs[len(vs)-1])
				if err != nil {
					return Target{}, fmt.Errorf("database URL %q: timeout: %w", u.Redacted(), err)
				}
				cfg.Timeout = d
				continue
			}
			cfg.Params[k] = vs[len(vs)-1]
		}
		return Target{Dialect: MySQL, DSN: cfg.FormatDSN(), Redacted: u.Redacted()}, nil
	default:
		return Target{}, fmt.Errorf("database URL %q: want sqlite:PATH or mysql://USER:PASS@HOST:PORT/DBNAME", raw)
	}
}

// PreparedStatements bounds the statements a server keeps prepared (the
// store's hot reads, each prepared once per connection it runs on): the
// least recently used is closed past it. With 32 connections that is at
// most 2,048 of MariaDB's max_prepared_stmt_count (16,382 by default,
// shared by every client of the database server).
const PreparedStatements = 64

// Open connects to the database named by rawURL and checks that it answers.
func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	t, err := Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	switch t.Dialect {
	case SQLite:
		if err := checkSQLitePath(t.Path, opts.MustExist); err != nil {
			return nil, err
		}
		dialector = gormlite.Open(t.DSN)
	case MySQL:
		dialector = gormmysql.New(gormmysql.Config{DSN: t.DSN, DefaultStringSize: 191})
	}
	lg := opts.Logger
	if lg == nil {
		lg = logger.Discard
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 lg,
		NowFunc:                nowFunc(t.Dialect),
		SkipDefaultTransaction: true,  // the service layer opens transactions where it needs them
		PrepareStmt:            false, // only the store's hot reads are prepared (store.prepared)
		PrepareStmtMaxSize:     PreparedStatements,
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", t.Redacted, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", t.Redacted, err)
	}
	switch t.Dialect {
	case SQLite:
		// One writer at a time is SQLite's rule; WAL lets readers go on meanwhile.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	case MySQL:
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", t.Redacted, err)
	}
	db := &DB{DB: gdb, Dialect: t.Dialect, Health: NewHealth(sqlDB.PingContext, time.Second), writes: &writeHooks{}}
	for _, register := range []func(*gorm.DB) error{registerStatementCounter, db.Health.Watch, func(g *gorm.DB) error { return registerWriteHooks(g, db.writes) }} {
		if err := register(gdb); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	if len(opts.Replicas) > 0 {
		if t.Dialect != MySQL {
			sqlDB.Close()
			return nil, fmt.Errorf("read replicas need a MySQL primary, not %s", t.Dialect)
		}
		pools, err := useReplicas(gdb, opts.Replicas)
		if err != nil {
			sqlDB.Close()
			return nil, err
		}
		db.Replicas = pools
	}
	return db, nil
}

// nowFunc is GORM's clock for created and updated times: UTC, to the
// precision the database keeps (DATETIME(6) on MySQL; SQLite's fixed-width
// text, which sorts as text, holds whole seconds), so what a write returns
// is what a later read returns.
func nowFunc(d Dialect) func() time.Time {
	precision := time.Microsecond
	if d == SQLite {
		precision = time.Second
	}
	return func() time.Time { return time.Now().UTC().Truncate(precision) }
}

// Close closes the underlying connection pool.
func (db *DB) Close() error {
	if db.Health != nil {
		db.Health.Stop()
	}
	for _, r := range db.Replicas {
		r.Close()
	}
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// SQL returns the database/sql handle.
func (db *DB) SQL() *sql.DB {
	sqlDB, _ := db.DB.DB()
	return sqlDB
}

func (db *DB) gooseProvider() (*goose.Provider, error) {
	fsys, err := migrations.FS(string(db.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == MySQL {
		dialect = goose.DialectMySQL
	}
	// Features land on branches with reserved numbers, so a database may
	// have a later migration before an earlier one: apply the missing ones.
	// Migrations written in Go (SQLite's 00020 rebuilds a table whatever
	// columns it has by then) run in version order with the SQL ones.
	return goose.NewProvider(dialect, db.SQL(), fsys, goose.WithAllowOutofOrder(true), goose.WithGoMigrations(migrations.Go(string(db.Dialect))...))
}

// Migrate applies every pending migration and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.gooseProvider()
	if err != nil {
		return 0, fmt.Errorf("load migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			return len(partial.Applied), fmt.Errorf("migrate: %w", partial.Err)
		}
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(results), nil
}

// MigrationVersion reports the newest applied migration version.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	p, err := db.gooseProvider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// MustRedact returns rawURL with any password masked, or a placeholder when
// it does not parse.
func MustRedact(rawURL string) string {
	t, err := Parse(rawURL)
	if err != nil {
		return "(invalid database URL)"
	}
	return t.Redacted
}

// MigrateDownTo rolls migrations back to version (0 removes everything).
// Used by tests that check every migration can be undone.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.gooseProvider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// checkSQLitePath names what SQLite's "unable to open database file" does
// not: a missing directory, or (mustExist) a missing file.
func checkSQLitePath(path string, mustExist bool) error {
	if strings.HasPrefix(path, ":memory:") || strings.Contains(path, "mode=memory") {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	dir := filepath.Dir(abs)
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("cannot open SQLite database %s: directory %s does not exist", abs, dir)
	} else if !st.IsDir() {
		return fmt.Errorf("cannot open SQLite database %s: %s is not a directory", abs, dir)
	}
	st, err := os.Stat(abs)
	switch {
	case err == nil && st.IsDir():
		return fmt.Errorf("cannot open SQLite database %s: it is a directory", abs)
	case mustExist && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w %s", ErrNoDatabase, abs)
	}
	return nil
}
