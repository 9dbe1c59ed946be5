package fulltext

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// Query limits. Longer queries are refused (BAD_USER_INPUT), not truncated:
// a silently shortened query would return results for something the reader
// did not ask.
const (
	MaxQueryRunes = 500
	MaxTerms      = 20
	MaxPhraseLen  = 12
)

// Term is one thing a query looks for: a word, or a phrase of words that
// must appear in this order. Words are lower-cased and contain only word
// runes (see IsWordRune), so they can be put in any engine's syntax without
// escaping.
type Term struct {
	Words []string
	// Prefix makes the last word match any word it begins (elect* matches
	// election): the query's last word as a reader types, or a word ending in *.
	Prefix bool
	// Exclude drops the articles that contain the term (-word, -"a phrase").
	Exclude bool
}

// Phrase reports whether the term is a phrase of several words.
func (t Term) Phrase() bool { return len(t.Words) > 1 }

func (t Term) String() string {
	var b strings.Builder
	if t.Exclude {
		b.WriteByte('-')
	}
	if t.Phrase() {
		b.WriteByte('"')
	}
	b.WriteString(strings.Join(t.Words, " "))
	if t.Phrase() {
		b.WriteByte('"')
	}
	if t.Prefix {
		b.WriteByte('*')
	}
	return b.String()
}

// Query is a parsed search query: every included term must match, no
// excluded term may.
type Query struct {
	Terms []Term
}

// Include returns the terms that must match.
func (q Query) Include() []Term { return q.filter(false) }

// Exclude returns the terms that must not match.
func (q Query) Exclude() []Term { return q.filter(true) }

func (q Query) filter(exclude bool) []Term {
	var out []Term
	for _, t := range q.Terms {
		if t.Exclude == exclude {
			out = append(out, t)
		}
	}
	return out
}

// String is the query's canonical form, e.g. `korea "kim jong un" -sanctions missil*`.
func (q Query) String() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

// Hash identifies the query in cursors, so that a cursor from another search
// is refused instead of giving a meaningless page.
func (q Query) Hash() string {
	h := fnv.New32a()
	h.Write([]byte(q.String()))
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

func invalid(format string, args ...any) error {
	return apperr.Invalidf("query", format, args...)
}

// lexeme is a term as written, before the word rules apply.
type lexeme struct {
	text    string
	phrase  bool // written in quotes
	exclude bool
	star    bool // ended with *
	atEnd   bool // the query ends right after it (the reader may still be typing)
}

// Parse reads a reader's query. Syntax, deliberately small:
//
//	words            every word must match (in headline, standfirst or body)
//	"a phrase"       the words in this order
//	-word -"phrase"  exclude articles containing them
//	word*            prefix match; the last word also matches as a prefix
//	                 while the reader types (no space after it)
//
// Every other character (+ ~ < > ( ) @ and the like, punctuation, emoji)
// separates words and has no meaning, so no input can reach the engine as
// syntax. A word written with inner punctuation (start-up, e-mail, Russia's)
// is searched as a phrase of its parts. Words shorter than 3 characters and
// InnoDB stopwords (the, of, …) are dropped unless they sit in a phrase with
// another word. Empty, over-long and word-less queries are BAD_USER_INPUT.
func Parse(raw string) (Query, error) {
	if len(raw) > MaxQueryRunes*utf8.UTFMax || utf8.RuneCountInString(raw) > MaxQueryRunes {
		return Query{}, invalid("query is longer than %d characters", MaxQueryRunes)
	}
	if strings.TrimFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) == "" {
		return Query{}, invalid("query must not be empty")
	}
	lexemes := lex(raw)

	var q Query
	seen := map[string]bool{}
	var anyWord, droppedWord bool
	for i, l := range lexemes {
		words := wordsOf(l.text)
		if len(words) == 0 {
			continue
		}
		anyWord = true
		t := Term{Exclude: l.exclude}
		switch {
		case len(words) == 1:
			w := words[0]
			if !searchable(Fold(w)) {
				droppedWord = true
				continue
			}
			t.Words = words
			t.Prefix = !l.phrase && (l.star || (i == len(lexemes)-1 && l.atEnd && !l.exclude))
		default:
			if len(words) > MaxPhraseLen {
				return Query{}, invalid("a phrase may have at most %d words", MaxPhraseLen)
			}
			ok, tooLong := false, false
			for _, w := range words {
				f := Fold(w)
				ok = ok || searchable(f)
				tooLong = tooLong || utf8.RuneCountInString(f) > MaxWordRunes
			}
			if !ok || tooLong {
				droppedWord = true
				continue
			}
			// No prefix inside phrases: InnoDB cannot match one there.
			t.Words = words
		}
		key := t.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		q.Terms = append(q.Terms, t)
	}
	if len(q.Terms) > MaxTerms {
		return Query{}, invalid("query has more than %d words or phrases to search for", MaxTerms)
	}
	if len(q.Include()) == 0 {
		switch {
		case len(q.Exclude()) > 0:
			return Query{}, invalid("query needs a word to search for, not only excluded (-word) ones")
		case droppedWord:
			return Query{}, invalid("query has no searchable words: words shorter than %d characters and very common words (the, of, what, …) are not indexed; add a longer word, or quote them in a phrase with one", MinWordRunes)
		case !anyWord:
			return Query{}, invalid("query has no words to search for, only punctuation or symbols")
		}
	}
	return q, nil
}

// wordsOf returns the lower-cased words of a lexeme.
func wordsOf(s string) []string {
	toks := Tokens(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = strings.ToLower(t.Text)
	}
	return out
}

// lex splits a query into lexemes: quoted phrases and space-separated
// chunks, each with a leading '-' marking an exclusion.
func lex(s string) []lexeme {
	var out []lexeme
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			i += size
			continue
		}
		// Leading operators: only '-' means something (exclude), and only
		// when a word or a quote follows it directly.
		exclude := false
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == '"' || IsWordRune(r) || unicode.IsSpace(r) || unicode.IsControl(r) {
				break
			}
			if r == '-' {
				next, _ := utf8.DecodeRuneInString(s[i+size:])
				exclude = i+size < len(s) && (next == '"' || IsWordRune(next))
			}
			i += size
		}
		if i >= len(s) {
			break
		}
		if r == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			l := lexeme{phrase: true, exclude: exclude}
			if end < 0 { // an unclosed quote runs to the end
				l.text, i = s[i+1:], len(s)
			} else {
				l.text, i = s[i+1:i+1+end], i+1+end+1
			}
			out = append(out, l)
			continue
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		start := i
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' {
				break
			}
			i += size
		}
		chunk := s[start:i]
		out = append(out, lexeme{
			text:    chunk,
			exclude: exclude,
			star:    strings.HasSuffix(chunk, "*"),
			atEnd:   i == len(s),
		})
	}
	return out
}
