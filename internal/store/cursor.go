package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// Cursor marks a row's place in an ordering: the sort key's value and the
// row id that breaks ties. Cursors are keyset positions, so they stay valid
// while rows are added or removed around them.
type Cursor struct {
	// Key names the ordering the cursor belongs to ("published_at", …).
	Key string `json:"k"`
	// Value is the sort key as text; Null marks a NULL key.
	Value string `json:"v,omitempty"`
	Null  bool   `json:"n,omitempty"`
	ID    uint64 `json:"i"`
}

const cursorPrefix = "c1:"

// Encode returns the opaque form handed to clients.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(append([]byte(cursorPrefix), b...))
}

// DecodeCursor parses a client's cursor; any damage is BAD_USER_INPUT.
func DecodeCursor(field, s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.Invalidf(field, "invalid cursor %q: pass a cursor from a previous page", truncate(s, 64))
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), cursorPrefix) {
		return nil, bad
	}
	var c Cursor
	if err := json.Unmarshal(raw[len(cursorPrefix):], &c); err != nil || c.Key == "" {
		return nil, bad
	}
	return &c, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

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

// Page asks for a slice of an ordering: First rows after After, or Last rows
// before Before (Relay connection arguments, already validated).
type Page struct {
	First  int
	Last   int
	After  *Cursor
	Before *Cursor
	Desc   bool
}

// Backward reports whether the page is taken from the end.
func (p Page) Backward() bool { return p.Last > 0 && p.First == 0 }

func (p Page) limit() int {
	if p.Backward() {
		return p.Last
	}
	return p.First
}

// cursorValue turns a cursor's text back into a query argument.
func (k SortKey) cursorValue(field string, c *Cursor) (any, error) {
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
func (k SortKey) CursorFor(v any, id uint64) Cursor {
	c := Cursor{Key: k.Name, ID: id}
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
func (k SortKey) beyond(q *gorm.DB, field string, c *Cursor, desc bool) (*gorm.DB, error) {
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
// trimPage.
func (k SortKey) paginate(q *gorm.DB, p Page) (*gorm.DB, error) {
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
	return q.Order(k.Column + dir).Order(k.IDColumn + dir).Limit(p.limit() + 1), nil
}

// PageInfo says whether more rows exist beyond a page.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
}

// trimPage drops the look-ahead row, restores order for backward pages and
// works out the page info.
func trimPage[T any](rows []T, p Page) ([]T, PageInfo) {
	n := p.limit()
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	var info PageInfo
	if p.Backward() {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		info.HasPreviousPage = more
		info.HasNextPage = p.Before != nil
	} else {
		info.HasNextPage = more
		info.HasPreviousPage = p.After != nil
	}
	return rows, info
}

// listNewest pages through q newest first by an id key: the shared body of
// the audit log, subscriber and delivery lists.
func listNewest[T any](q *gorm.DB, key SortKey, p Page, id func(*T) uint64) ([]*T, []Cursor, PageInfo, error) {
	p.Desc = true
	q, err := key.paginate(q, p)
	if err != nil {
		return nil, nil, PageInfo{}, err
	}
	var rows []*T
	if err := q.Find(&rows).Error; err != nil {
		return nil, nil, PageInfo{}, err
	}
	rows, info := trimPage(rows, p)
	cursors := make([]Cursor, len(rows))
	for i, r := range rows {
		cursors[i] = key.CursorFor(id(r), id(r))
	}
	return rows, cursors, info, nil
}
