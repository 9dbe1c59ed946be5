package fulltext

import (
	"html"
	"strings"
	"unicode/utf8"
)

// Snippet sizes, in words.
const (
	snippetWords  = 30
	snippetBefore = 6
	// maxSnippetScan bounds the body text scanned for a snippet.
	maxSnippetScan = 64 << 10
)

// Highlighter finds a query's words in text and marks them.
type Highlighter struct {
	words    map[string]int // folded word → term number
	prefixes []matcher
	phrases  []matcher
}

type matcher struct {
	words []string // folded
	term  int
}

// NewHighlighter prepares to highlight the included terms of q.
func NewHighlighter(q Query) *Highlighter {
	h := &Highlighter{words: map[string]int{}}
	for n, t := range q.Include() {
		folded := make([]string, len(t.Words))
		for i, w := range t.Words {
			folded[i] = Fold(w)
		}
		switch {
		case t.Phrase():
			h.phrases = append(h.phrases, matcher{folded, n})
		case t.Prefix:
			h.prefixes = append(h.prefixes, matcher{folded, n})
		default:
			h.words[folded[0]] = n
		}
	}
	return h
}

// span is a run of tokens [from, to] that matched term number term.
type span struct{ from, to, term int }

// matches returns the matched spans in toks, in order, not overlapping.
func (h *Highlighter) matches(toks []Token) []span {
	folded := make([]string, len(toks))
	for i, t := range toks {
		folded[i] = Fold(t.Text)
	}
	var out []span
next:
	for i := 0; i < len(folded); i++ {
		for _, p := range h.phrases {
			if hasPhraseAt(folded, i, p.words) {
				out = append(out, span{i, i + len(p.words) - 1, p.term})
				i += len(p.words) - 1
				continue next
			}
		}
		if n, ok := h.words[folded[i]]; ok {
			out = append(out, span{i, i, n})
			continue
		}
		for _, p := range h.prefixes {
			if strings.HasPrefix(folded[i], p.words[0]) {
				out = append(out, span{i, i, p.term})
				continue next
			}
		}
	}
	return out
}

func hasPhraseAt(folded []string, i int, phrase []string) bool {
	if i+len(phrase) > len(folded) {
		return false
	}
	for k, w := range phrase {
		if folded[i+k] != w {
			return false
		}
	}
	return true
}

// Snippet returns a short excerpt of the first of fields (in order of
// preference, e.g. body, standfirst, headline) in which the query's words
// occur, as HTML: the text is escaped and each match is wrapped in
// <mark>…</mark>. The excerpt is the window of about 30 words holding the
// most distinct query terms; "…" marks a cut. When no field shows a match
// (an engine folded a word differently), it is the start of the first
// non-empty field, without marks.
func (h *Highlighter) Snippet(fields ...string) string {
	for _, f := range fields {
		f = cutUTF8(f, maxSnippetScan)
		toks := Tokens(f)
		if spans := h.matches(toks); len(spans) > 0 {
			from, to := window(toks, spans)
			return render(f, toks, spans, from, to)
		}
	}
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			f = cutUTF8(f, maxSnippetScan)
			return render(f, Tokens(f), nil, 0, snippetWords-1)
		}
	}
	return ""
}

// window picks the token range to show: the snippetWords-token window with
// the most distinct terms (then the most matches, then the earliest),
// starting a few words before its first match.
func window(toks []Token, spans []span) (int, int) {
	bestStart, bestDistinct, bestCount := spans[0].from, -1, -1
	for i := range spans {
		distinct := map[int]bool{}
		count := 0
		for j := i; j < len(spans) && spans[j].to < spans[i].from+snippetWords; j++ {
			distinct[spans[j].term] = true
			count++
		}
		if len(distinct) > bestDistinct || (len(distinct) == bestDistinct && count > bestCount) {
			bestStart, bestDistinct, bestCount = spans[i].from, len(distinct), count
		}
	}
	from := max(0, bestStart-snippetBefore)
	to := min(len(toks)-1, from+snippetWords-1)
	if to-from < snippetWords-1 { // near the end: show more of what precedes
		from = max(0, to-snippetWords+1)
	}
	return from, to
}

// render writes tokens from..to of text as escaped HTML with marks.
func render(text string, toks []Token, spans []span, from, to int) string {
	if len(toks) == 0 {
		return html.EscapeString(strings.TrimSpace(text))
	}
	to = min(to, len(toks)-1)
	var b strings.Builder
	start := toks[from].Start
	if from > 0 {
		b.WriteString("…")
	} else {
		start = 0
	}
	end := toks[to].End
	if to == len(toks)-1 {
		end = len(text)
	}
	pos := start
	for _, s := range spans {
		if s.to < from || s.from > to {
			continue
		}
		ms, me := toks[max(s.from, from)].Start, toks[min(s.to, to)].End
		b.WriteString(html.EscapeString(text[pos:ms]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[ms:me]))
		b.WriteString("</mark>")
		pos = me
	}
	b.WriteString(html.EscapeString(text[pos:end]))
	out := strings.TrimSpace(b.String())
	if to < len(toks)-1 {
		out += "…"
	}
	return out
}

// cutUTF8 returns at most the first n bytes of s, cut at a rune boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
