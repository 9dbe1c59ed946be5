package fulltext

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keyword limits.
const (
	// MaxKeywords caps an article's keywords.
	MaxKeywords = 24
	// bodyKeywords is how many of the body's most frequent words count.
	bodyKeywords = 10
	// maxKeywordBytes fits the keyword column.
	maxKeywordBytes = 64
)

// keywordStopwords are words too common in news copy to say what an
// article is about (English; other languages simply keep more keywords).
var keywordStopwords = setOf(`
a about above after again against ago all almost also although always among an and another any are around as at
back be because been before being below between both but by can could did do does doing done down during each
either even ever every few first for from further get gets got had has have having he her here hers him his how
however i if in into is it its itself just last least less like made make makes many may me might more most much
must my near never new news next no nor not now of off often on once one only or other our out over own per
perhaps put rather really said same say says see seen she should since so some still such take than that the
their them then there these they thing things this those though three through thus to today told too two under
until up upon us use used very via was way we week well were what when where whether which while who whom whose
why will with within without would year years yet you your
`)

// Keyword returns the folded keyword form of a word, or false when the word
// carries no topic (too short, a stopword, a bare number other than a year).
// English plurals are reduced (elections → election, policies → policy) so
// that singular and plural meet.
func Keyword(word string) (string, bool) {
	w := Fold(word)
	n := utf8.RuneCountInString(w)
	if n < MinWordRunes || len(w) > maxKeywordBytes || keywordStopwords[w] || innodbStopwords[w] {
		return "", false
	}
	if strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 && n != 4 {
		return "", false
	}
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = strings.TrimSuffix(w, "ies") + "y"
	case n > 4 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = strings.TrimSuffix(w, "s")
	}
	return w, true
}

// BodyKeywords returns the words a body uses most (at least twice), most
// frequent first, ties alphabetically: the body's part of an article's
// keywords. Seeders computing many articles with one body call it once.
func BodyKeywords(text string) []string {
	text = cutUTF8(text, maxSnippetScan*4)
	counts := map[string]int{}
	for _, t := range Tokens(text) {
		if k, ok := Keyword(t.Text); ok {
			counts[k]++
		}
	}
	var out []string
	for k, n := range counts {
		if n >= 2 {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	if len(out) > bodyKeywords {
		out = out[:bodyKeywords]
	}
	return out
}

// Keywords returns an article's keywords, sorted: the words of its headline
// and standfirst plus its body's most frequent words (from BodyKeywords),
// at most MaxKeywords, headline first.
func Keywords(title, subtitle string, body []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] && len(out) < MaxKeywords {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, s := range []string{title, subtitle} {
		for _, t := range Tokens(s) {
			if k, ok := Keyword(t.Text); ok {
				add(k)
			}
		}
	}
	for _, k := range body {
		add(k)
	}
	slices.Sort(out)
	return out
}
