package dbconn

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

type primaryKey struct{}

// WithPrimary returns ctx whose reads go to the primary, not to a replica:
// for editors, who must see what they have just written.
func WithPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// UsesPrimary reports whether ctx's reads go to the primary.
func UsesPrimary(ctx context.Context) bool {
	v, _ := ctx.Value(primaryKey{}).(bool)
	return v
}

// useReplicas sends reads to MySQL read replicas (gorm.io/plugin/dbresolver)
// and writes, transactions and reads with WithPrimary to the primary.
// It returns the replicas' connection pools, for their metrics and Close.
func useReplicas(gdb *gorm.DB, urls []string) ([]*sql.DB, error) {
	dialectors := make([]gorm.Dialector, 0, len(urls))
	var pools []*sql.DB
	fail := func(err error) ([]*sql.DB, error) {
		for _, p := range pools {
			p.Close()
		}
		return nil, err
	}
	for _, u := range urls {
		t, err := Parse(u)
		if err != nil {
			return fail(fmt.Errorf("replica: %w", err))
		}
		if t.Dialect != MySQL {
			return fail(fmt.Errorf("replica %s: read replicas must be MySQL URLs", t.Redacted))
		}
		pool, err := sql.Open("mysql", t.DSN)
		if err != nil {
			return fail(fmt.Errorf("replica %s: %w", t.Redacted, err))
		}
		pools = append(pools, pool)
		dialectors = append(dialectors, gormmysql.New(gormmysql.Config{Conn: pool, DefaultStringSize: 191}))
	}
	primary := gdb.Config.ConnPool
	resolver := dbresolver.Register(dbresolver.Config{Replicas: dialectors, Policy: dbresolver.RandomPolicy{}}).
		SetMaxOpenConns(32).SetMaxIdleConns(32).SetConnMaxLifetime(30 * time.Minute)
	if err := gdb.Use(resolver); err != nil {
		return fail(fmt.Errorf("replicas: %w", err))
	}
	// After dbresolver has picked a replica for a read, send it back to the
	// primary when the context asks for it (transactions already are).
	toPrimary := func(tx *gorm.DB) {
		if ctx := tx.Statement.Context; ctx != nil && UsesPrimary(ctx) {
			if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); !inTx {
				tx.Statement.ConnPool = primary
			}
		}
	}
	cb := gdb.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:db_resolver").Before("gorm:query").Register("broadsheet:primary_query", toPrimary),
		cb.Row().After("gorm:db_resolver").Before("gorm:row").Register("broadsheet:primary_row", toPrimary),
		cb.Raw().After("gorm:db_resolver").Before("gorm:raw").Register("broadsheet:primary_raw", toPrimary),
	} {
		if err != nil {
			return fail(err)
		}
	}
	return pools, nil
}
