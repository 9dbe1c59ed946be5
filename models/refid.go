package models

import (
	"database/sql/driver"
	"fmt"
	"strconv"
)

// RefID is an optional reference to another row: 0 means none and is
// stored as NULL (so foreign keys hold), and, unlike a pointer, it
// compares by value (snapshots of articles are compared with ==).
type RefID uint64

// Value implements driver.Valuer.
func (r RefID) Value() (driver.Value, error) {
	if r == 0 {
		return nil, nil
	}
	return int64(r), nil
}

// Scan implements sql.Scanner.
func (r *RefID) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*r = 0
	case int64:
		*r = RefID(x)
	case uint64:
		*r = RefID(x)
	case []byte:
		return r.parse(string(x))
	case string:
		return r.parse(x)
	default:
		return fmt.Errorf("scan %T into RefID", v)
	}
	return nil
}

func (r *RefID) parse(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("scan %q into RefID: %w", s, err)
	}
	*r = RefID(n)
	return nil
}
