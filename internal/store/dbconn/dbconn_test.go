package dbconn_test

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in               string
		dialect          dbconn.Dialect
		dsnHas, redacted string
		wantErr          string
	}{
		{in: "sqlite:broadsheet.db", dialect: dbconn.SQLite, dsnHas: "file:broadsheet.db?", redacted: "sqlite:broadsheet.db"},
		{in: "sqlite:///var/lib/bs.db", dialect: dbconn.SQLite, dsnHas: "file:/var/lib/bs.db?"},
		{in: "mysql://bs:s3cret@db.internal:3307/news?tls=skip-verify", dialect: dbconn.MySQL, dsnHas: "bs:s3cret@tcp(db.internal:3307)/news?", redacted: "mysql://bs:xxxxx@db.internal:3307/news?tls=skip-verify"},
		{in: "mysql://root@localhost/news", dialect: dbconn.MySQL, dsnHas: "tcp(localhost:3306)/news"},
		{in: "mysql://root@/news?socket=/run/mysqld/mysqld.sock", dialect: dbconn.MySQL, dsnHas: "root@unix(/run/mysqld/mysqld.sock)/news?"},
		{in: "mysql://bs:s3cret@localhost/news?socket=/tmp/my.sock&tls=false", dialect: dbconn.MySQL, dsnHas: "bs:s3cret@unix(/tmp/my.sock)/news?", redacted: "mysql://bs:xxxxx@localhost/news?socket=/tmp/my.sock&tls=false"},
		{in: "sqlite:", wantErr: "missing file path"},
		{in: "mysql://root@localhost/", wantErr: "want mysql://"},
		{in: "postgres://x/y", wantErr: "want sqlite:PATH or mysql://"},
		{in: "", wantErr: "want sqlite:PATH"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := dbconn.Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Dialect != tc.dialect || !strings.Contains(got.DSN, tc.dsnHas) {
				t.Errorf("Parse = %+v, want dialect %s and DSN containing %q", got, tc.dialect, tc.dsnHas)
			}
			if tc.redacted != "" && got.Redacted != tc.redacted {
				t.Errorf("Redacted = %q, want %q", got.Redacted, tc.redacted)
			}
			if strings.Contains(got.Redacted, "s3cret") {
				t.Errorf("Redacted leaks the password: %q", got.Redacted)
			}
		})
	}
}

func TestMigrationsGoDownAndUpAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *dbconn.DB) {
		ctx := context.Background()
		v, err := db.MigrationVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("version after migrate = %d, %v", v, err)
		}
		if err := db.MigrateDownTo(ctx, 0); err != nil {
			t.Fatalf("down: %v", err)
		}
		// Versions may have gaps (numbers are reserved per feature), so
		// compare the version reached, not the count applied.
		n, err := db.Migrate(ctx)
		if err != nil || n < 1 {
			t.Fatalf("up again applied %d: %v", n, err)
		}
		// Versions may have gaps (branches number their migrations ahead),
		// so compare where migrating ends rather than how many it applied.
		if again, err := db.MigrationVersion(ctx); err != nil || again != v {
			t.Fatalf("version after up again = %d (want %d): %v", again, v, err)
		}
	})
}

func TestStatementCounter(t *testing.T) {
	db := dbtest.Open(t, dbconn.SQLite)
	c := &dbconn.StatementCounter{}
	ctx := dbconn.WithStatementCounter(context.Background(), c)
	var n int64
	for range 3 {
		if err := db.WithContext(ctx).Table("articles").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
	}
	if c.Count() != 3 {
		t.Errorf("counted %d statements, want 3", c.Count())
	}
	// A subquery built with GORM is part of its statement, not another one.
	sub := db.WithContext(ctx).Table("articles").Select("id").Where("status = ?", "PUBLISHED")
	if err := db.WithContext(ctx).Table("(?) AS s", sub).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if c.Count() != 4 {
		t.Errorf("a query with a subquery counted as %d statements, want 1", c.Count()-3)
	}
}

// TestOpenThroughUnixSocket opens the test MariaDB through the Unix socket
// the server reports (?socket=), migrates it and reads back what it wrote.
// A server on another machine has no socket here: then the test says so.
func TestOpenThroughUnixSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("needs MariaDB")
	}
	overTCP := dbtest.URL(t, dbconn.MySQL) // a fresh database of its own
	tcp, err := dbconn.Open(context.Background(), overTCP, dbconn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	var socket string
	if err := tcp.Raw("SELECT @@socket").Scan(&socket).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(socket); err != nil {
		t.Skipf("the server's socket %q is not on this machine: %v", socket, err)
	}
	u, err := url.Parse(overTCP)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("socket", socket)
	u.Host, u.RawQuery = "", q.Encode()
	db, err := dbconn.Open(context.Background(), u.String(), dbconn.Options{})
	if err != nil && strings.Contains(err.Error(), "Access denied") {
		// The socket was reached: the server lets this user in over TCP
		// only (Debian's root@localhost asks for the system's root).
		t.Skipf("the server refuses this user through its socket: %v", err)
	}
	if err != nil {
		t.Fatalf("open %s: %v", u.Redacted(), err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO categories (slug, name, description, position, created_at, updated_at) VALUES ('s', 'Through the socket', '', 1, NOW(), NOW())").Error; err != nil {
		t.Fatal(err)
	}
	var name, via string
	if err := tcp.Raw("SELECT name FROM categories WHERE slug = 's'").Scan(&name).Error; err != nil || name != "Through the socket" {
		t.Fatalf("read over TCP what was written through the socket: %q, %v", name, err)
	}
	// The connection is the socket's: MariaDB names its host "localhost".
	if err := db.Raw("SELECT SUBSTRING_INDEX(USER(), '@', -1)").Scan(&via).Error; err != nil || via != "localhost" {
		t.Errorf("connected from %q (%v), want localhost (the socket)", via, err)
	}
}
