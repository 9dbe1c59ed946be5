package page

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// TestCursorEncodeAsJSON: Encode writes, byte for byte, what it wrote with
// json.Marshal (so cursors handed out before stay the ones handed out
// now), and DecodeCursor reads it back.
func TestCursorEncodeAsJSON(t *testing.T) {
	for _, c := range []Cursor{
		{Key: "published_at", Value: "2026-11-26T12:53:27Z", ID: 342},
		{Key: "published_at", Null: true, ID: 7},
		{Key: "id", ID: 0},
		{Key: "title", Value: "Élection présidentielle : ce qu'il faut savoir", ID: 18446744073709551615},
		{Key: "title", Value: `Quotes "and" back\slashes`, ID: 1},
		{Key: "title", Value: "<b>Tom & Jerry</b>", ID: 2},
		{Key: "title", Value: "tab\tnewline\n", ID: 3},
		{Key: "title", Value: "invalid \xff UTF-8", ID: 4},
		{Key: "title", Value: "line\u2028separator", ID: 5},
		{Key: "score", Value: "0.25", Null: true, ID: 6},
	} {
		j, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		want := base64.RawURLEncoding.EncodeToString(append([]byte(cursorPrefix), j...))
		got := c.Encode()
		if got != want {
			t.Errorf("%+v: Encode = %s (%s), json.Marshal = %s (%s)", c, got, decoded(got), want, j)
		}
		back, err := DecodeCursor("after", got)
		// (JSON carries invalid UTF-8 as U+FFFD: that value comes back changed.)
		if err != nil || back == nil || (*back != c && utf8.ValidString(c.Value)) {
			t.Errorf("%+v: decoded back as %+v, %v", c, back, err)
		}
	}
}

func decoded(s string) string {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return string(b)
}

func BenchmarkCursorEncode(b *testing.B) {
	c := Cursor{Key: "published_at", Value: "2026-11-26T12:53:27Z", ID: 342}
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Encode()
		}
	})
	b.Run("json.Marshal", func(b *testing.B) { // what Encode did before
		b.ReportAllocs()
		for b.Loop() {
			j, _ := json.Marshal(c)
			_ = base64.RawURLEncoding.EncodeToString(append([]byte(cursorPrefix), j...))
		}
	})
}
