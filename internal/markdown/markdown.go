// Package markdown turns an article's Markdown source into sanitised HTML and
// derives what teasers need from it: plain text, word count, reading time and
// an excerpt.
package markdown

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Renderer renders Markdown. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer with GitHub-flavoured Markdown. Two layers keep the
// output safe: goldmark drops raw HTML and dangerous link schemes, and
// bluemonday's UGC policy then removes anything else unsafe (scripts, event
// handlers, javascript: URLs) in case a future option lets HTML through.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(bluemonday.SpaceSeparatedTokens).OnElements("h2", "h3", "h4")
	p.RequireNoFollowOnLinks(false)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return &Renderer{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		),
		policy: p,
	}
}

// Rendered is what an article stores besides its Markdown source.
type Rendered struct {
	HTML               string
	Text               string
	WordCount          int
	ReadingTimeMinutes int
}

// wordsPerMinute is a common reading speed for news copy.
const wordsPerMinute = 230

// Render converts source to sanitised HTML and plain-text statistics.
func (r *Renderer) Render(source string) (Rendered, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(source), &buf); err != nil {
		return Rendered{}, fmt.Errorf("render markdown: %w", err)
	}
	html := r.policy.SanitizeBytes(buf.Bytes())
	plain := PlainText(source)
	words := len(strings.FieldsFunc(plain, func(c rune) bool { return unicode.IsSpace(c) }))
	minutes := 0
	if words > 0 {
		minutes = (words + wordsPerMinute - 1) / wordsPerMinute
	}
	return Rendered{HTML: string(html), Text: plain, WordCount: words, ReadingTimeMinutes: minutes}, nil
}

// PlainText returns the text of a Markdown document without markup, one
// block per line.
func PlainText(source string) string {
	src := []byte(source)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	var b strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch t := n.(type) {
			case *ast.Text:
				b.Write(t.Segment.Value(src))
				if t.SoftLineBreak() || t.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(t.Value)
			case *ast.CodeSpan:
				// children are Text nodes; nothing extra to do
			}
			return ast.WalkContinue, nil
		}
		if n.Type() == ast.TypeBlock && n.Kind() != ast.KindDocument {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// Excerpt returns the first paragraph-like line of text, cut at a word
// boundary to at most max runes.
func Excerpt(plain string, max int) string {
	first := plain
	for _, line := range strings.Split(plain, "\n") {
		if len(strings.Fields(line)) >= 8 { // skip subheads and short lines
			first = line
			break
		}
	}
	first = strings.TrimSpace(first)
	runes := []rune(first)
	if len(runes) <= max {
		return first
	}
	cut := string(runes[:max])
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > max/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.–—-") + "…"
}
