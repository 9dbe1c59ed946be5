package model

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalString writes s as a JSON string, byte for byte as gqlgen's own
// String scalar does (graphql.MarshalString): quotes, backslashes, tabs,
// newlines and carriage returns escaped, other control characters as
// \u00XX, every other byte, valid UTF-8 or not, as it is. gqlgen's walks
// s rune by rune; the bytes it escapes are all ASCII, which in UTF-8 is
// never part of a longer sequence, so walking bytes and writing the runs
// between them gives the same output. Bodies' HTML, thousands of bytes
// per article, made that walk a few percent of an article page's CPU.
func MarshalString(s string) graphql.Marshaler {
	return quoted(s)
}

// StringAt writes *s as MarshalString writes s, reading it when the answer
// is written. For a struct field's string, whose pointer an interface
// holds as it is where the string itself would be copied to the heap:
// an allocation for every string of an answer.
func StringAt(s *string) graphql.Marshaler {
	return (*quotedAt)(s)
}

// quotedAt is a string marshalled where it lies.
type quotedAt string

// MarshalGQL writes *q quoted and escaped.
func (q *quotedAt) MarshalGQL(w io.Writer) { quoted(*q).MarshalGQL(w) }

// UnmarshalString reads a String input as gqlgen's String scalar does.
func UnmarshalString(v any) (string, error) {
	return graphql.UnmarshalString(v)
}

// quoted is a string that marshals itself as a JSON string.
type quoted string

// escapes holds, for each byte that JSON strings escape, the escape
// gqlgen writes for it.
var escapes = func() (t [256]string) {
	const hex = "0123456789ABCDEF"
	for c := range 0x20 {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&0xf])
	}
	t['\t'], t['\r'], t['\n'], t['\\'], t['"'] = `\t`, `\r`, `\n`, `\\`, `\"`
	return t
}()

// MarshalGQL writes q quoted and escaped.
func (q quoted) MarshalGQL(w io.Writer) {
	s := string(q)
	_, _ = io.WriteString(w, `"`)
	start := 0
	for i := 0; i < len(s); i++ {
		if e := escapes[s[i]]; e != "" {
			_, _ = io.WriteString(w, s[start:i])
			_, _ = io.WriteString(w, e)
			start = i + 1
		}
	}
	_, _ = io.WriteString(w, s[start:])
	_, _ = io.WriteString(w, `"`)
}
