package store

import (
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/page"
)

// SortKey is a column rows are ordered by, with the id as tie-break.
type SortKey struct {
	// Name goes into cursors; a cursor from another ordering is rejected.
	Name string
	// Column is the qualified column, e.g. "articles.published_at".
	Column string
	// IDColumn is the qualified id column.
	IDColumn string
	// Time says the key holds times (cursor values are RFC 3339).
	Time bool
	// Int says the key holds whole numbers.
	Int bool
	// Nullable says the key may be NULL (NULLs sort first ascending and
	// last descending on both MySQL and SQLite).
	Nullable bool
}

// cursorValue turns a cursor's text back into a query argument.
func (k SortKey) cursorValue(field string, c *page.Cursor) (any, error) {
	if c.Key != k.Name {
		return nil, apperr.Invalidf(field, "cursor belongs to another ordering (%s, not %s)", c.Key, k.Name)
	}
	if c.Null {
		if !k.Nullable {
			return nil, apperr.Invalidf(field, "invalid cursor")
		}
		return nil, nil
	}
	if k.Int {
		n, err := strconv.ParseUint(c.Value, 10, 64)
		if err != nil {
			return nil, apperr.Invalidf(field, "invalid cursor")
		}
		return n, nil
	}
	if k.Time {
		t, err := time.Parse(time.RFC3339Nano, c.Value)
		if err != nil {
			return nil, apperr.Invalidf(field, "invalid cursor")
		}
		return t.UTC(), nil
	}
	return c.Value, nil
}

// CursorFor builds the cursor of a row whose key is v (time.Time,
// *time.Time or string) and id is id.
func (k SortKey) CursorFor(v any, id uint64) page.Cursor {
	c := page.Cursor{Key: k.Name, ID: id}
	switch x := v.(type) {
	case *time.Time:
		if x == nil {
			c.Null = true
		} else {
			c.Value = x.UTC().Format(time.RFC3339Nano)
		}
	case time.Time:
		c.Value = x.UTC().Format(time.RFC3339Nano)
	case string:
		c.Value = x
	case uint64:
		c.Value = strconv.FormatUint(x, 10)
	default:
		c.Value = fmt.Sprint(x)
	}
	return c
}

// beyond adds the condition "strictly after c when ordered asc/desc".
func (k SortKey) beyond(q *gorm.DB, field string, c *page.Cursor, desc bool) (*gorm.DB, error) {
	v, err := k.cursorValue(field, c)
	if err != nil {
		return nil, err
	}
	col, id := k.Column, k.IDColumn
	switch {
	case !desc && v == nil: // ASC, cursor at a NULL: later NULLs, then every non-NULL
		return q.Where("(("+col+" IS NULL AND "+id+" > ?) OR "+col+" IS NOT NULL)", c.ID), nil
	case !desc:
		return q.Where("("+col+" > ? OR ("+col+" = ? AND "+id+" > ?))", v, v, c.ID), nil
	case v == nil: // DESC, cursor at a NULL: only later NULLs remain
		return q.Where(col+" IS NULL AND "+id+" < ?", c.ID), nil
	case k.Nullable:
		return q.Where("("+col+" < ? OR ("+col+" = ? AND "+id+" < ?) OR "+col+" IS NULL)", v, v, c.ID), nil
	default:
		return q.Where("("+col+" < ? OR ("+col+" = ? AND "+id+" < ?))", v, v, c.ID), nil
	}
}

// paginate applies cursors, order and limit for p. Rows must be fetched with
// the returned limit (one extra, to learn whether more exist) and passed to
// page.Trim.
func (k SortKey) paginate(q *gorm.DB, p page.Request) (*gorm.DB, error) {
	var err error
	if p.After != nil {
		if q, err = k.beyond(q, "after", p.After, p.Desc); err != nil {
			return nil, err
		}
	}
	if p.Before != nil {
		if q, err = k.beyond(q, "before", p.Before, !p.Desc); err != nil {
			return nil, err
		}
	}
	desc := p.Desc != p.Backward() // read from the far end for `last`
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	return q.Order(k.Column + dir).Order(k.IDColumn + dir).Limit(p.Limit() + 1), nil
}

// list pages through q by key: the rows of p, with their cursors built
// from value (the sort key) and id.
func list[T any](q *gorm.DB, key SortKey, p page.Request, value func(*T) any, id func(*T) uint64) (*page.List[*T], error) {
	return listWith(q, key, p, func(q *gorm.DB) ([]*T, error) {
		var rows []*T
		return rows, q.Find(&rows).Error
	}, value, id)
}

// listWith is list reading the rows with find.
func listWith[T any](q *gorm.DB, key SortKey, p page.Request, find func(*gorm.DB) ([]*T, error), value func(*T) any, id func(*T) uint64) (*page.List[*T], error) {
	q, err := key.paginate(q, p)
	if err != nil {
		return nil, err
	}
	rows, err := find(q)
	if err != nil {
		return nil, err
	}
	l := &page.List[*T]{}
	l.Items, l.Info = page.Trim(rows, p)
	l.Cursors = make([]page.Cursor, len(l.Items))
	for i, r := range l.Items {
		l.Cursors[i] = key.CursorFor(value(r), id(r))
	}
	return l, nil
}

// listNewest pages through q newest first by an id key: the shared body of
// the audit log, subscriber and delivery lists.
func listNewest[T any](q *gorm.DB, key SortKey, p page.Request, id func(*T) uint64) (*page.List[*T], error) {
	p.Desc = true
	return list(q, key, p, func(r *T) any { return id(r) }, id)
}
