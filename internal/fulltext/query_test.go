package fulltext

import (
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, want string // want: canonical form, or "" for BAD_USER_INPUT
	}{
		{"korea", "korea*"},
		{"korea ", "korea"},
		{"North Korea missiles", "north korea missiles*"},
		{`"kim jong un" missiles`, `"kim jong un" missiles*`},
		{`missiles "kim jong un"`, `missiles "kim jong un"`},
		{"kim jong un", "kim jong"},                        // "un" is too short alone
		{`"UN Security Council"`, `"un security council"`}, // but fine in a phrase
		{"the election", "election*"},
		{"Korea -sanctions", "korea -sanctions"},
		{`korea -"kim jong un"`, `korea -"kim jong un"`},
		{"elect* korea", "elect* korea*"},
		{"start-up founders", `"start up" founders*`},
		{"Russia's weapons", `"russia s" weapons*`},
		{"e-mail", `"e mail"`},
		{"Café naïve", "café naïve*"},
		{"korea korea korea", "korea korea*"}, // duplicates collapse
		{"+korea +missiles", "korea missiles*"},
		{"~korea <missiles >war (peace) @3", "korea missiles war peace"},
		{"korea - missiles", "korea missiles*"},
		{"korea -", "korea"},
		{`'; DROP TABLE articles; --`, "drop table articles"},
		{`" OR 1=1 --`, ""},
		{`korea" OR "1"="1`, `korea`},
		{`"unclosed phrase here`, `"unclosed phrase here"`},
		{`MATCH AGAINST ('x' IN BOOLEAN MODE)`, "match against boolean mode*"},
		{"NEAR(a b) AND OR NOT", `"near a" and not*`}, // inner punctuation makes a phrase
		{"北朝鮮 ミサイル", "北朝鮮 ミサイル*"},
		{"Москва санкции", "москва санкции*"},
		{"🚀 rocket🚀launch 🚀", `"rocket launch"`},
		{"\x00korea\x00", "korea"},
		{"", ""},
		{"   \t\n ", ""},
		{`""`, ""},
		{"🚀🔥", ""},
		{"+ - * ~ < > ( ) @", ""},
		{"the of a", ""},
		{"un eu us", ""},
		{"-korea", ""},
		{`"the who"`, ""},
		{strings.Repeat("a", 10000), ""},
		{strings.Repeat("korea ", 1700), ""},
		{strings.Repeat("word", 25), ""}, // one 100-letter word: longer than any indexed word
		{strings.Repeat("abc ", 21), "abc"},
	}
	for _, tc := range cases {
		name := tc.in
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			q, err := Parse(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("Parse = %q, want BAD_USER_INPUT", q)
				}
				if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid || e.Field != "query" {
					t.Fatalf("error %v is not BAD_USER_INPUT on query", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := q.String(); got != tc.want {
				t.Errorf("Parse = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	var words []string
	for i := range MaxTerms + 1 {
		words = append(words, "word"+string(rune('a'+i)))
	}
	if _, err := Parse(strings.Join(words[:MaxTerms], " ")); err != nil {
		t.Errorf("%d words: %v", MaxTerms, err)
	}
	if _, err := Parse(strings.Join(words, " ")); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("%d words: err = %v, want BAD_USER_INPUT", MaxTerms+1, err)
	}
	if _, err := Parse(strings.Repeat("é", MaxQueryRunes)); apperr.KindOf(err) != apperr.Invalid {
		// one 500-letter word: allowed length, but no indexable word
		t.Errorf("500 runes: err = %v", err)
	}
	if _, err := Parse("korea " + strings.Repeat(" ", MaxQueryRunes-6)); err != nil {
		t.Errorf("exactly %d characters: %v", MaxQueryRunes, err)
	}
	if _, err := Parse("korea " + strings.Repeat(" ", MaxQueryRunes-5)); apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("%d characters: err = %v, want BAD_USER_INPUT", MaxQueryRunes+1, err)
	}
}

func TestMessagesSayWhatIsWrong(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "must not be empty",
		"🚀":                           "no words",
		"un":                          "no searchable words",
		"-korea":                      "not only excluded",
		strings.Repeat("x", 501):      "longer than 500",
		`"a b c d e f g h i j k l m"`: "at most 12 words",
	} {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.20q) error %v, want it to say %q", in, err, want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Café":   "cafe",
		"NAÏVE":  "naive",
		"Zürich": "zurich",
		"Москва": "москва",
		"हिन्दी": "हिन्दी", // Devanagari marks are part of the letters
		"東京":     "東京",
		"Straße": "straße",
		"plain":  "plain",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
