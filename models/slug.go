package models

import (
	"regexp"
	"strings"

	"github.com/gosimple/slug"
)

// MaxSlugLen is the longest slug, in bytes.
const MaxSlugLen = 180

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Slugify makes a URL-safe slug from text, transliterating to ASCII.
func Slugify(text string) string {
	s := slug.Make(text)
	if len(s) > MaxSlugLen {
		s = strings.TrimRight(s[:MaxSlugLen], "-")
	}
	return s
}

// ValidSlug reports whether s is a well-formed slug.
func ValidSlug(s string) bool { return len(s) <= MaxSlugLen && slugPattern.MatchString(s) }
