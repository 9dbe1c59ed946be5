package dbconn_test

import (
	"context"
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
