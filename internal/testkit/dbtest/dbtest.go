// Package dbtest gives each test its own fresh, migrated database on every
// engine Broadsheet supports: a SQLite file in the test's temp dir, and a
// new MariaDB/MySQL database that is dropped when the test ends.
//
// MySQL is used when BROADSHEET_TEST_MYSQL names a server URL (default
// mysql://root@127.0.0.1:3306/) and it answers. When it does not, MySQL
// subtests are skipped with a message, unless BROADSHEET_TEST_MYSQL_REQUIRED=1
// (as in CI), which turns the skip into a failure. Under -short (the fast
// lane) MySQL subtests are always skipped.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/ncruces/go-sqlite3"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// Compiling SQLite's WebAssembly takes seconds, in every test process;
// keep the compiled code in a cache shared by the test binaries (as the
// driver's own tests do), so only the first one pays. The other settings
// are the driver's defaults.
func init() {
	cfg := wazero.NewRuntimeConfig().WithMemoryLimitPages(4096).WithCoreFeatures(api.CoreFeaturesV2)
	if dir, err := os.UserCacheDir(); err == nil {
		dir = filepath.Join(dir, "broadsheet-test", "wazero")
		if err := os.MkdirAll(dir, 0o755); err == nil {
			if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
				cfg = cfg.WithCompilationCache(cache)
			}
		}
	}
	sqlite3.RuntimeConfig = cfg
}

// DefaultMySQL is the server tried when BROADSHEET_TEST_MYSQL is unset.
const DefaultMySQL = "mysql://root@127.0.0.1:3306/"

// Engines lists the dialects every store test runs against.
var Engines = []dbconn.Dialect{dbconn.SQLite, dbconn.MySQL}

// Each runs fn as a subtest per engine, each with its own fresh database.
func Each(t *testing.T, fn func(t *testing.T, db *dbconn.DB)) {
	t.Helper()
	for _, d := range Engines {
		t.Run(string(d), func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated database of dialect d, closed (and for
// MySQL dropped) when t ends.
func Open(t testing.TB, d dbconn.Dialect) *dbconn.DB {
	t.Helper()
	return OpenWith(t, d, dbconn.Options{})
}

// OpenWith is Open with connection options (e.g. a logger that records SQL).
func OpenWith(t testing.TB, d dbconn.Dialect, opts dbconn.Options) *dbconn.DB {
	t.Helper()
	url := URL(t, d)
	if d == dbconn.SQLite {
		// A copy of a database migrated once per test process: the
		// migrations run in SQLite's WebAssembly, and ran for every test.
		if err := copyMigratedSQLite(strings.TrimPrefix(url, "sqlite:")); err != nil {
			t.Fatalf("copy the migrated SQLite database: %v", err)
		}
	}
	db, err := dbconn.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

var (
	migratedOnce  sync.Once
	migratedBytes []byte
	migratedErr   error
)

// copyMigratedSQLite writes to path a SQLite database with every migration
// applied, made once per process. Migrate on the copy then finds nothing
// to do, as it would on a database the server had migrated before.
func copyMigratedSQLite(path string) error {
	migratedOnce.Do(func() { migratedBytes, migratedErr = migratedSQLite() })
	if migratedErr != nil {
		return migratedErr
	}
	return os.WriteFile(path, migratedBytes, 0o600)
}

// migratedSQLite migrates a scratch database and returns a self-contained
// copy of it (VACUUM INTO folds in the write-ahead log).
func migratedSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "broadsheet-dbtest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := dbconn.Open(ctx, "sqlite:"+filepath.Join(dir, "scratch.db"), dbconn.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "migrated.db")
	if err := db.Exec("VACUUM INTO ?", out).Error; err != nil {
		return nil, fmt.Errorf("vacuum into %s: %w", out, err)
	}
	return os.ReadFile(out)
}

// URL creates an empty database of dialect d for t and returns its
// Broadsheet URL, without opening or migrating it.
func URL(t testing.TB, d dbconn.Dialect) string {
	t.Helper()
	switch d {
	case dbconn.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	case dbconn.MySQL:
		return createMySQL(t)
	}
	t.Fatalf("unknown dialect %q", d)
	return ""
}

var (
	probeOnce sync.Once
	probeErr  error
)

func serverURL() string {
	if u := os.Getenv("BROADSHEET_TEST_MYSQL"); u != "" {
		return u
	}
	return DefaultMySQL
}

// adminConfig parses the server URL into a driver config with no database.
func adminConfig() (*mysql.Config, *url.URL, error) {
	u, err := url.Parse(serverURL())
	if err != nil {
		return nil, nil, fmt.Errorf("BROADSHEET_TEST_MYSQL: %w", err)
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	cfg.Timeout = 2 * time.Second
	return cfg, u, nil
}

func createMySQL(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: MySQL tests run in the full suite only")
	}
	cfg, u, err := adminConfig()
	if err == nil {
		probeOnce.Do(func() {
			db, err := sql.Open("mysql", cfg.FormatDSN())
			if err == nil {
				defer db.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				err = db.PingContext(ctx)
			}
			probeErr = err
		})
		err = probeErr
	}
	if err != nil {
		msg := fmt.Sprintf("MySQL at %s does not answer (%v)", redact(serverURL()), err)
		if os.Getenv("BROADSHEET_TEST_MYSQL_REQUIRED") == "1" {
			t.Fatalf("%s, and BROADSHEET_TEST_MYSQL_REQUIRED=1", msg)
		}
		t.Skipf("%s: skipping; set BROADSHEET_TEST_MYSQL to a server URL to run MySQL tests", msg)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "bstest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP DATABASE IF EXISTS " + name)
	})
	out := *u
	out.Path = "/" + name
	return out.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return strings.TrimSuffix(u.Redacted(), "/")
}
