package model

import (
	"bytes"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalString must write what gqlgen's String scalar writes, byte for
// byte: answers, ETags and cached responses depend on it.
func TestMarshalStringAsGqlgen(t *testing.T) {
	var controls strings.Builder
	for c := range 0x20 {
		controls.WriteByte(byte(c))
	}
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"plain", "The energy agency"},
		{"quotes and backslashes", `say "hi" \ back\slash\`},
		{"html", `<p class="lead">Read <a href="/articles/x">this</a>&amp;more</p>` + "\n"},
		{"control characters", controls.String() + "\x7f"},
		{"utf-8", "Café — “quoted” 日本語 🗞️"},
		{"invalid utf-8", "a\xff\xfe\"b\xc3\n\xe2\x82"},
		{"escape at the ends", "\"middle\\"},
		{"lone surrogate bytes", "\xed\xa0\x80\t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var want, got bytes.Buffer
			graphql.MarshalString(tc.in).MarshalGQL(&want)
			MarshalString(tc.in).MarshalGQL(&got)
			if got.String() != want.String() {
				t.Fatalf("MarshalString(%q) = %s, gqlgen writes %s", tc.in, got.String(), want.String())
			}
			got.Reset()
			in := tc.in
			StringAt(&in).MarshalGQL(&got)
			if got.String() != want.String() {
				t.Fatalf("StringAt(&%q) = %s, gqlgen writes %s", tc.in, got.String(), want.String())
			}
		})
	}
}

func FuzzMarshalStringAsGqlgen(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\x1f\\", "é\xff\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want, got bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		MarshalString(s).MarshalGQL(&got)
		if got.String() != want.String() {
			t.Fatalf("MarshalString(%q) = %s, gqlgen writes %s", s, got.String(), want.String())
		}
	})
}

func BenchmarkMarshalString(b *testing.B) {
	body := strings.Repeat(`<p>School workers climate summit vote “policy” industry.</p>`+"\n", 50)
	for _, m := range []struct {
		name    string
		marshal func(string) graphql.Marshaler
	}{{"gqlgen", graphql.MarshalString}, {"bytes", MarshalString}} {
		b.Run(m.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				buf.Reset()
				m.marshal(body).MarshalGQL(&buf)
			}
		})
	}
}
