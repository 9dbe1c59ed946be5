package locale

import (
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "en", want: "en"},
		{in: "en, fr ,de-CH", want: "en,fr,de-CH"},
		{in: "FR,en_gb", want: "fr,en-GB"},
		{in: "", err: "no locale"},
		{in: "en,xx", err: `"xx"`},
		{in: "en,und", err: `"und"`},
		{in: "en,not a tag", err: "not a valid BCP 47 tag"},
		{in: "en,EN", err: "listed twice"},
	} {
		s, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Parse(%q) = %v, want one line with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || s.String() != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tc.in, s, err, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	s, err := Parse("en,fr,ar")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Check("locale", "FR"); err != nil || got != "fr" {
		t.Errorf("Check(FR) = %q, %v", got, err)
	}
	_, err = s.Check("filter.locale", "de")
	if apperr.KindOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "filter.locale") {
		t.Errorf("Check(de) = %v, want BAD_USER_INPUT naming filter.locale", err)
	}
	if s.Default() != "en" {
		t.Errorf("default %q", s.Default())
	}
	if !RightToLeft("ar") || !RightToLeft("he") || RightToLeft("fr") {
		t.Error("RightToLeft: ar and he are, fr is not")
	}
	if Base("de-CH") != "de" {
		t.Errorf("Base(de-CH) = %q", Base("de-CH"))
	}
}
