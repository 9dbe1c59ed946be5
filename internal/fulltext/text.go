// Package fulltext holds the engine-independent half of search and of
// related-article text similarity: it splits text into words the way the
// full-text engines do, parses a reader's query into a small, safe
// structure (which the store renders into MySQL boolean-mode or SQLite FTS5
// syntax), highlights matches for snippets, and picks an article's keywords.
//
// Both engines must be able to answer every query the same way, so the
// rules follow the stricter one, MariaDB/MySQL InnoDB FULLTEXT: words
// shorter than 3 characters and the InnoDB stopwords are not indexed there,
// so they are dropped from queries on both engines (they still count inside
// a quoted phrase that has another word).
package fulltext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MinWordRunes is the shortest word that can be searched alone (InnoDB's
// default innodb_ft_min_token_size).
const MinWordRunes = 3

// MaxWordRunes is the longest word the engines index (InnoDB's
// innodb_ft_max_token_size).
const MaxWordRunes = 84

// IsWordRune reports whether r belongs to a word: letters, digits and
// combining marks. Everything else (spaces, punctuation, symbols, emoji)
// separates words, as in FTS5's unicode61 tokenizer.
func IsWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

// Token is a word in a text, with its byte offsets.
type Token struct {
	Text       string
	Start, End int
}

// Tokens splits s into words.
func Tokens(s string) []Token {
	var out []Token
	start := -1
	for i, r := range s {
		if IsWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, Token{Text: s[start:i], Start: start, End: i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, Token{Text: s[start:], Start: start, End: len(s)})
	}
	return out
}

// Fold returns word in the form both engines compare words in: lower case,
// with accents removed from Latin letters (café → cafe), as FTS5's
// remove_diacritics and MySQL's utf8mb4_unicode_ci collation do. Marks on
// other scripts are kept: they are part of the letter there.
func Fold(word string) string {
	lower := strings.ToLower(word)
	ascii := true
	for i := 0; i < len(lower); i++ {
		if lower[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return lower
	}
	var b strings.Builder
	latinBase := false
	for _, r := range norm.NFD.String(lower) {
		if unicode.Is(unicode.Mn, r) {
			if latinBase {
				continue
			}
		} else {
			latinBase = unicode.Is(unicode.Latin, r)
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// innodbStopwords is InnoDB's default full-text stopword list
// (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD): these words are not
// indexed by MySQL/MariaDB, so queries drop them on every engine.
var innodbStopwords = setOf("a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und the www")

// IsStopword reports whether the folded word is not indexed.
func IsStopword(folded string) bool { return innodbStopwords[folded] }

// searchable reports whether a folded word can be searched alone.
func searchable(folded string) bool {
	n := utf8.RuneCountInString(folded)
	return n >= MinWordRunes && n <= MaxWordRunes && !IsStopword(folded)
}

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}
