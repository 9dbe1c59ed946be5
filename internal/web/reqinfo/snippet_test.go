package reqinfo

import (
	"errors"
	"fmt"
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

func TestDetail(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want func(string) bool
	}{
		{"nil", nil, func(s string) bool { return s == "" }},
		{"short kept", errors.New("load article \"a\": sql: database is closed"), func(s string) bool {
			return s == "load article \"a\": sql: database is closed"
		}},
		{"email replaced", fmt.Errorf("load article %q: %w", "alice@example.com-x", errors.New("boom")), func(s string) bool {
			return !strings.Contains(s, "alice") && strings.Contains(s, "[email]")
		}},
		{"long cut, one line", fmt.Errorf("load article %q:\n%w", strings.Repeat("s", 900_000), errors.New("boom")), func(s string) bool {
			return len(s) <= DetailBytes+len("…") && !strings.Contains(s, "\n")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Detail(tc.err); !tc.want(got) {
				t.Errorf("Detail = %q (%d bytes)", got[:min(len(got), 200)], len(got))
			}
		})
	}
}
