package models

import "testing"

func TestSlugifyLang(t *testing.T) {
	for _, tc := range []struct{ text, lang, want string }{
		{"Le café de l'été", "fr", "le-cafe-de-lete"},
		{"Über die Brücke", "de", "ueber-die-bruecke"},
		// Right to left: transliterated, each word one part, no stray hyphens.
		{"الحكومة تعلن خطة جديدة للطاقة", "ar", "lhkwmat-tln-khtat-jdydat-lltqat"},
		{"הממשלה מודיעה על תוכנית", "he", "hmmshlh-mvdyh-l-tvknyt"},
		// The same in any article's locale (no "@" spelled "arobase").
		{"الحكومة تعلن خطة", "fr", "lhkwmat-tln-khtat"},
		{"الحكومة تعلن خطة", "de", "lhkwmat-tln-khtat"},
	} {
		got := SlugifyLang(tc.text, tc.lang)
		if got != tc.want || !ValidSlug(got) {
			t.Errorf("SlugifyLang(%q, %s) = %q, want %q", tc.text, tc.lang, got, tc.want)
		}
	}
}
