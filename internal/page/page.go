// Package page is keyset paging as every layer sees it: the opaque cursor
// handed to clients, the page a client asks for (Args, checked into a
// Request), and a page of results (List). The store pages by it, services
// return it, and the GraphQL connections are built from it, so no layer
// above the store needs the store's types to page.
package page

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// MaxSize caps first/last on every connection.
const MaxSize = 100

// DefaultSize applies when neither first nor last is given.
const DefaultSize = 20

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

// Encode returns the opaque form handed to clients: "c1:" and the cursor
// as JSON, in URL-safe base64 without padding.
func (c Cursor) Encode() string {
	var buf [128]byte
	b := append(buf[:0], cursorPrefix...)
	if plainJSON(c.Key) && plainJSON(c.Value) {
		// What json.Marshal writes, without its reflection: a page's
		// cursors were a twentieth of a section front's CPU.
		b = append(b, `{"k":"`...)
		b = append(b, c.Key...)
		b = append(b, '"')
		if c.Value != "" {
			b = append(append(append(b, `,"v":"`...), c.Value...), '"')
		}
		if c.Null {
			b = append(b, `,"n":true`...)
		}
		b = strconv.AppendUint(append(b, `,"i":`...), c.ID, 10)
		b = append(b, '}')
	} else {
		j, _ := json.Marshal(c)
		b = append(b, j...)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// plainJSON reports whether json.Marshal writes s as it is between quotes:
// printable ASCII that it neither escapes (" and \) nor guards (<, > and
// & for HTML).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// DecodeCursor parses a client's cursor; any damage is BAD_USER_INPUT.
func DecodeCursor(field, s string) (*Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := apperr.Invalidf(field, "invalid cursor %q: pass a cursor from a previous page", apperr.Clip(s, 64))
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

// Request asks for a slice of an ordering: First rows after After, or Last
// rows before Before (Relay connection arguments, already validated).
type Request struct {
	First  int
	Last   int
	After  *Cursor
	Before *Cursor
	Desc   bool
	// Total asks for the count of the whole list with the page (a client
	// that selects totalCount): a store that can read it in the page's own
	// statement saves a round trip; one that cannot leaves List.Count unset.
	Total bool
}

// Backward reports whether the page is taken from the end.
func (p Request) Backward() bool { return p.Last > 0 && p.First == 0 }

// Empty reports whether the client asked for no rows at all (first: 0).
func (p Request) Empty() bool { return p.First == 0 && p.Last == 0 }

// Limit is the number of rows the page holds at most.
func (p Request) Limit() int {
	if p.Backward() {
		return p.Last
	}
	return p.First
}

// Info says whether more rows exist beyond a page.
type Info struct {
	HasNextPage     bool
	HasPreviousPage bool
}

// Trim drops the look-ahead row a query fetched beyond p's limit, restores
// the order of backward pages and works out the page info.
func Trim[T any](rows []T, p Request) ([]T, Info) {
	n := p.Limit()
	more := len(rows) > n
	if more {
		rows = rows[:n]
	}
	var info Info
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

// List is one page of items with their cursors, and a total computed only
// when asked for (a client that does not ask for totalCount does not pay
// for the COUNT).
type List[T any] struct {
	Items   []T
	Cursors []Cursor
	Info    Info
	// Count counts every item of the list, all pages together.
	Count func(context.Context) (int64, error)
}

// TotalCount counts every item of the list.
func (l *List[T]) TotalCount(ctx context.Context) (int64, error) {
	if l.Count == nil {
		return int64(len(l.Items)), nil
	}
	return l.Count(ctx)
}

// Args are a connection's Relay arguments as the client sent them.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Request validates args and turns them into a request (newest first when
// desc).
func (a Args) Request(desc bool) (Request, error) {
	p := Request{Desc: desc}
	if a.First != nil && a.Last != nil {
		return p, apperr.Invalidf("first", "pass either first or last, not both")
	}
	for _, n := range []struct {
		name string
		v    *int
	}{{"first", a.First}, {"last", a.Last}} {
		if n.v == nil {
			continue
		}
		if *n.v < 0 {
			return p, apperr.Invalidf(n.name, "%s must not be negative (got %d)", n.name, *n.v)
		}
		if *n.v > MaxSize {
			return p, apperr.Invalidf(n.name, "%s must be at most %d (got %d)", n.name, MaxSize, *n.v)
		}
	}
	switch {
	case a.First != nil:
		p.First = *a.First
	case a.Last != nil:
		p.Last = *a.Last
	default:
		p.First = DefaultSize
	}
	var err error
	if a.After != nil {
		if p.After, err = DecodeCursor("after", *a.After); err != nil {
			return p, err
		}
	}
	if a.Before != nil {
		if p.Before, err = DecodeCursor("before", *a.Before); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Load returns the page p of a list: fetch reads the rows (never called
// when the client asked for none), count counts them all when asked and
// fetch has not already counted them (p.Total).
func Load[T any](ctx context.Context, p Request, count func(context.Context) (int64, error),
	fetch func(context.Context, Request) (*List[T], error)) (*List[T], error) {
	l := &List[T]{}
	if !p.Empty() {
		var err error
		if l, err = fetch(ctx, p); err != nil {
			return nil, err
		}
	}
	if l.Count == nil {
		l.Count = count
	}
	return l, nil
}

// Counted returns a Count that answers n without a query: the total read
// with the page.
func Counted(n int64) func(context.Context) (int64, error) {
	return func(context.Context) (int64, error) { return n, nil }
}
