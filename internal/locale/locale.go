// Package locale holds the publication's configured languages: BCP 47 tags
// (golang.org/x/text/language), the first of which is the default. Every
// locale an API caller names is checked against the set here, so an article
// can only be written, listed or searched in a language the desk publishes.
package locale

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/language"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// MaxTagLen is the longest tag stored (the articles.locale column).
const MaxTagLen = 35

// Set is the configured locales, default first.
type Set struct {
	tags  []language.Tag
	names []string // canonical form of tags, same order
}

// Default is the set of a server configured with nothing: English only.
func Default() *Set {
	s, _ := Parse("en")
	return s
}

// Parse reads a comma-separated list of BCP 47 tags ("en,fr,de-CH"). Every
// tag must be well formed and name a language x/text knows (an unknown
// language subtag such as "xx" is refused, so is "und"), and none may
// repeat. The error is one line, for a refusal at start.
func Parse(list string) (*Set, error) {
	s := &Set{}
	seen := map[string]bool{}
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		t, err := language.Parse(raw)
		var unknown language.ValueError
		switch {
		case errors.As(err, &unknown):
			return nil, fmt.Errorf("locale %q names no known language (subtag %q is unknown)", raw, unknown.Subtag())
		case err != nil:
			return nil, fmt.Errorf("locale %q is not a valid BCP 47 tag", raw)
		}
		base, conf := t.Base()
		if t == language.Und || conf == language.No || base.String() == "und" {
			return nil, fmt.Errorf("locale %q names no known language", raw)
		}
		name := t.String()
		if len(name) > MaxTagLen {
			return nil, fmt.Errorf("locale %q is longer than %d characters", raw, MaxTagLen)
		}
		if seen[name] {
			return nil, fmt.Errorf("locale %q is listed twice", raw)
		}
		seen[name] = true
		s.tags, s.names = append(s.tags, t), append(s.names, name)
	}
	if len(s.tags) == 0 {
		return nil, fmt.Errorf("no locale given: pass at least one BCP 47 tag, e.g. en")
	}
	return s, nil
}

// Default returns the default locale (the first configured).
func (s *Set) Default() string { return s.names[0] }

// All returns every configured locale, default first.
func (s *Set) All() []string { return append([]string(nil), s.names...) }

// String is the list as it would be configured.
func (s *Set) String() string { return strings.Join(s.names, ",") }

// Canonical returns the configured locale raw names (any case, "_" or "-"
// separators: "fr", "FR", "de_ch"), or false when it names none of them.
func (s *Set) Canonical(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > 3*MaxTagLen {
		return "", false
	}
	t, err := language.Parse(raw)
	if err != nil {
		return "", false
	}
	name := t.String()
	for _, n := range s.names {
		if n == name {
			return n, true
		}
	}
	return "", false
}

// Check returns the configured locale raw names, or a BAD_USER_INPUT error
// naming arg (the argument or input field it came from).
func (s *Set) Check(arg, raw string) (string, error) {
	if n, ok := s.Canonical(raw); ok {
		return n, nil
	}
	return "", apperr.Invalidf(arg, "%s: unknown locale %q (this publication has %s)", arg, apperr.Clip(raw, 40), strings.Join(s.names, ", "))
}

// Optional is Check for an optional argument: nil gives "".
func (s *Set) Optional(arg string, raw *string) (string, error) {
	if raw == nil {
		return "", nil
	}
	return s.Check(arg, *raw)
}

// Base returns the language subtag of a configured locale ("de" for
// "de-CH"), for choosing per-language text rules.
func Base(name string) string {
	t, err := language.Parse(name)
	if err != nil {
		return name
	}
	b, _ := t.Base()
	return b.String()
}

// RightToLeft reports whether the locale's script is written right to left
// (Arabic, Hebrew, Persian, Urdu, …).
func RightToLeft(name string) bool {
	t, err := language.Parse(name)
	if err != nil {
		return false
	}
	sc, _ := t.Script()
	switch sc.String() {
	case "Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr":
		return true
	}
	return false
}
