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
