// Package store is Broadsheet's data access: GORM queries behind one API for
// both dialects. Batch loads take many ids and return rows grouped by key, so
// the loaders above can answer a whole page with one statement per relation.
// The store applies visibility but does not decide it: callers pass a
// Visibility chosen by the content service.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// Store reads and writes content.
type Store struct {
	db *dbconn.DB
}

// New returns a Store on db.
func New(db *dbconn.DB) *Store { return &Store{db: db} }

// DB returns the database handle.
func (s *Store) DB() *dbconn.DB { return s.db }

// Dialect returns the engine behind the store.
func (s *Store) Dialect() dbconn.Dialect { return s.db.Dialect }

// Tx runs fn in a transaction; fn's error rolls it back. On MySQL a
// transaction chosen as a deadlock victim is run again (up to three times):
// InnoDB resolves lock cycles by aborting one side, and the work is safe to
// repeat because nothing of the first attempt was kept.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	for attempt := 1; ; attempt++ {
		err := s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
			return fn(&Store{db: &dbconn.DB{DB: gtx, Dialect: s.db.Dialect}})
		})
		if attempt < 3 && (isDeadlock(err) || isSchemaChanged(err)) {
			continue
		}
		return err
	}
}

// isSchemaChanged reports whether SQLite refused a statement because the
// schema changed under it: another connection opening (dbconn's PRAGMA
// optimize) ran ANALYZE while this transaction's statements were
// prepared. Nothing was written; the transaction runs again, its
// statements prepared anew.
func isSchemaChanged(err error) bool {
	return err != nil && strings.Contains(err.Error(), "database schema has changed")
}

// isDeadlock reports whether err is MySQL's "deadlock found" (1213).
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// prepared is q for the reads every uncached page makes (an article by
// slug, a page of articles, their relations): each statement is prepared
// once per connection and kept. MariaDB then no longer parses it on every
// request, nor does the driver write the arguments into its text (the
// database's CPU per article page fell by a fifth); SQLite no longer
// compiles it (half of an article page's CPU on the embedded default).
// See docs/benchmarks.md. Only statements of a few fixed shapes may go
// through it (lists of ids padded, see padIDs): every shape is a prepared
// statement on every connection, up to dbconn.PreparedStatements of them.
// In a transaction, where a statement would be prepared on the
// transaction's connection and closed with it, it is q.
func (s *Store) prepared(ctx context.Context) *gorm.DB {
	if _, inTx := s.db.Statement.ConnPool.(gorm.TxCommitter); inTx {
		return s.q(ctx)
	}
	return s.db.Session(&gorm.Session{Context: ctx, PrepareStmt: true})
}

// written is prepared for a statement written out in full: sql has one
// placeholder per argument (a list of ids: placeholders, appendIDs), and GORM
// sends it as it is, to be read with Rows. GORM's clause builder, and Raw
// (which copies the text byte by byte looking for placeholders and
// expands lists by reflection), cost an article page's two statements
// about a twelfth of the server's CPU (issue 18). GORM's callbacks still
// run: the statement counter, tracing and the replicas' choice of
// connection (a SELECT goes to a replica, as Raw's does).
func (s *Store) written(ctx context.Context, sql string, args ...any) *gorm.DB {
	tx := s.prepared(ctx).Raw("") // a statement of its own to write into
	tx.Statement.SQL.WriteString(sql)
	tx.Statement.Vars = append(tx.Statement.Vars, args...)
	return tx
}

// appendIDs appends ids to args, one argument each: a list of ids in a
// written statement, whose placeholders placeholders spells.
func appendIDs(args []any, ids []uint64) []any {
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// placeholders spells n placeholders as GORM writes a list, "(?,?,…)"
// (an empty list is (NULL), which matches nothing). Padded (padIDs), a
// page's lists take a few lengths, spelt once.
func placeholders(n int) string {
	if n < len(spelt) {
		return spelt[n]
	}
	return spellPlaceholders(n)
}

var spelt = func() (out [65]string) {
	for n := range out {
		out[n] = spellPlaceholders(n)
	}
	return out
}()

// spellPlaceholders is placeholders written afresh.
func spellPlaceholders(n int) string {
	if n == 0 {
		return "(NULL)"
	}
	return "(" + strings.Repeat("?,", n-1) + "?)"
}

// padIDs returns ids lengthened to the next power of two by repeating its
// last id, for an IN list of a prepared statement: the same rows match,
// and a page's relations take one of a few shapes instead of one per
// number of articles.
func padIDs(ids []uint64) []uint64 {
	n := len(ids)
	if n < 2 || n&(n-1) == 0 {
		return ids
	}
	size := 1
	for size < n {
		size <<= 1
	}
	out := make([]uint64, size)
	copy(out, ids)
	for i := n; i < size; i++ {
		out[i] = ids[n-1]
	}
	return out
}

// notFound turns gorm.ErrRecordNotFound into (nil, nil) for optional lookups.
func notFound[T any](v *T, err error) (*T, error) {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// translate maps driver errors to kinds the API can report.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return &apperr.Error{Kind: apperr.Conflict, Message: op + ": already exists", Err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}
