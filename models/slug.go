package models

import (
	"regexp"
	"strings"

	"github.com/gosimple/slug"
	"github.com/gosimple/unidecode"
)

// MaxSlugLen is the longest slug, in bytes.
const MaxSlugLen = 180

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Slugify makes a URL-safe slug from text, transliterating to ASCII.
func Slugify(text string) string { return SlugifyLang(text, "") }

// SlugifyLang is Slugify with the substitutions of a language (its base
// subtag, e.g. "de": ä → ae, "fr"). Right-to-left scripts (Arabic,
// Hebrew, …) are transliterated to Latin letters like every other script;
// the letters that transliterate to an apostrophe (ayin, hamza) are
// dropped rather than cut into separate words, so that "تعلن" gives
// "tln", not "t-ln"; ta marbuta, which transliterates to "@", is "at"
// whatever the language (its substitutions would spell "@" out in the
// article's language: "arobase" in French).
func SlugifyLang(text, lang string) string {
	if hasRTL(text) {
		text = rtlCleanup.Replace(unidecode.Unidecode(text))
	}
	s := slug.MakeLang(text, lang)
	if len(s) > MaxSlugLen {
		s = strings.TrimRight(s[:MaxSlugLen], "-")
	}
	return s
}

var rtlCleanup = strings.NewReplacer("'", "", "`", "", "@", "at")

// hasRTL reports whether text holds Hebrew or Arabic letters.
func hasRTL(text string) bool {
	for _, r := range text {
		if (r >= 0x0590 && r <= 0x08FF) || (r >= 0xFB1D && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF) {
			return true
		}
	}
	return false
}

// ValidSlug reports whether s is a well-formed slug.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugPattern.MatchString(s) }
