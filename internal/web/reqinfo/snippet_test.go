package reqinfo

import (
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"short body kept", `{"query":`, `{"query":`},
		{"email redacted", `{"email":"ada.lovelace@example.com"}`, `{"email":"[email]"}`},
		{"email cut at the limit", strings.Repeat("x", 50) + " ada.lovelace@exam" + "ple.com", strings.Repeat("x", 50) + " [email]…"},
		{"long body cut", strings.Repeat("a", 200), strings.Repeat("a", SnippetBytes) + "…"},
		{"control characters blanked", "a\nb\x00c", "a b c"},
		{"multi-byte character not split", strings.Repeat("x", SnippetBytes-1) + "é", strings.Repeat("x", SnippetBytes-1) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Snippet([]byte(tc.in)); got != tc.want {
				t.Errorf("Snippet(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBrief(t *testing.T) {
	got := Brief("invalid character 'x' near ada@example.com\nsecond line " + strings.Repeat("y", 500))
	if got != "invalid character 'x' near [email]" {
		t.Errorf("Brief = %q", got)
	}
	if got := Brief(strings.Repeat("z", 500)); len(got) > 130 {
		t.Errorf("Brief kept %d bytes", len(got))
	}
}
