package models

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// MarshalTime writes t as an RFC 3339 string in UTC (the Time scalar).
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads the Time scalar; a malformed value is BAD_USER_INPUT.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Invalidf("", "Time must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, apperr.Invalidf("", "Time %q is not RFC 3339 (e.g. 2024-01-10T09:00:00Z)", apperr.Clip(s, 64))
	}
	return t.UTC(), nil
}
