package dbconn

import (
	"context"
	"sync/atomic"

	"gorm.io/gorm"
)

// StatementCounter counts the SQL statements run with a context that
// carries it. The server puts one in every request's context, so tests and
// metrics can see how many statements a GraphQL operation cost.
type StatementCounter struct{ n atomic.Int64 }

// Count returns the number of statements counted so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithStatementCounter returns ctx carrying c.
func WithStatementCounter(ctx context.Context, c *StatementCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// StatementCounterFrom returns the counter in ctx, or nil.
func StatementCounterFrom(ctx context.Context) *StatementCounter {
	c, _ := ctx.Value(counterKey{}).(*StatementCounter)
	return c
}

func registerStatementCounter(db *gorm.DB) error {
	count := func(tx *gorm.DB) {
		// A dry run only builds SQL: GORM renders subqueries passed as
		// *gorm.DB arguments that way, and they are part of one statement.
		if tx.DryRun || tx.Statement == nil || tx.Statement.Context == nil {
			return
		}
		if c := StatementCounterFrom(tx.Statement.Context); c != nil {
			c.n.Add(1)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("broadsheet:count_create", count),
		cb.Query().After("gorm:query").Register("broadsheet:count_query", count),
		cb.Update().After("gorm:update").Register("broadsheet:count_update", count),
		cb.Delete().After("gorm:delete").Register("broadsheet:count_delete", count),
		cb.Row().After("gorm:row").Register("broadsheet:count_row", count),
		cb.Raw().After("gorm:raw").Register("broadsheet:count_raw", count),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
