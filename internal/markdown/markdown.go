// Package markdown turns an article's Markdown source into structured
// blocks (what apps render natively) and, from the same blocks, sanitised
// HTML; it derives what teasers need: plain text, word count, reading time
// and an excerpt. One parse per save: Markdown → blocks → HTML.
package markdown

import (
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// Renderer renders Markdown. It is safe for concurrent use.
type Renderer struct {
	md        goldmark.Markdown
	policy    *bluemonday.Policy
	providers []Provider
}

// Config is what a newsroom may choose about rendering.
type Config struct {
	// EmbedProviders names the providers whose URLs, alone on a line,
	// become embeds, and whose player hosts iframes may load from; nil
	// means every provider (see ProviderNames), empty means none.
	EmbedProviders []string
}

// New returns a Renderer with every embed provider enabled.
func New() *Renderer {
	r, err := NewWith(Config{})
	if err != nil {
		panic(err) // every known provider is valid
	}
	return r
}

// NewWith returns a Renderer with GitHub-flavoured Markdown and footnotes.
// Raw HTML is parsed (so an editor's <figure>, <video> or allowed <iframe>
// survives) and every fragment then passes bluemonday (see newPolicy),
// which removes anything unsafe: scripts, event handlers, javascript: URLs,
// iframes from hosts that are not an enabled provider's player.
func NewWith(cfg Config) (*Renderer, error) {
	names := cfg.EmbedProviders
	if names == nil {
		names = ProviderNames()
	}
	providers, err := providersNamed(names)
	if err != nil {
		return nil, err
	}
	return &Renderer{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM, extension.Footnote),
			goldmark.WithParserOptions(parser.WithAutoHeadingID()),
			goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
		),
		policy:    newPolicy(providers),
		providers: providers,
	}, nil
}

// Rendered is what an article stores besides its Markdown source, and what
// saving it must check.
type Rendered struct {
	HTML               string
	Text               string
	WordCount          int
	ReadingTimeMinutes int
	// Blocks are the body as structured blocks; HTML is rendered from
	// them (with no media library and every read-also link shown).
	Blocks []Block
	// MediaRefs and ArticleRefs are the media: ids and article: slugs the
	// body names, with their lines, for the caller to check they exist.
	MediaRefs, ArticleRefs []Ref
	// Problems are mistakes in the body itself, with their lines.
	Problems []Problem
}

// wordsPerMinute is a common reading speed for news copy.
const wordsPerMinute = 230

// Render parses source once into blocks and renders them to sanitised
// HTML, with plain-text statistics.
func (r *Renderer) Render(source string) (Rendered, error) {
	src := []byte(source)
	b := &builder{r: r, src: src, lines: lineStarts(src)}
	b.build(r.md.Parser().Parse(text.NewReader(src)))
	out := b.out
	out.HTML = HTML(out.Blocks, HTMLOptions{})
	plain := Text(out.Blocks)
	words := len(strings.FieldsFunc(plain, func(c rune) bool { return unicode.IsSpace(c) }))
	minutes := 0
	if words > 0 {
		minutes = (words + wordsPerMinute - 1) / wordsPerMinute
	}
	out.Text, out.WordCount, out.ReadingTimeMinutes = plain, words, minutes
	return out, nil
}

// Blocks parses source into blocks (for bodies stored before blocks were).
func (r *Renderer) Blocks(source string) []Block {
	out, _ := r.Render(source)
	return out.Blocks
}

// lineStarts returns the byte offset at which each line of src starts.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// Text returns the plain text of blocks, one line per paragraph-like part
// (Rendered.Text of the body they came from).
func Text(blocks []Block) string {
	texts := make([]string, 0, len(blocks))
	for _, bl := range blocks {
		if t := blockText(bl); t != "" {
			texts = append(texts, t)
		}
	}
	return strings.Join(texts, "\n")
}

// blockText is a block's plain text, one line per paragraph-like part.
func blockText(bl Block) string {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	add(bl.Text)
	if bl.Kind == KindQuote {
		add(bl.Attribution)
	}
	for _, it := range bl.Items {
		add(it.Text)
	}
	for _, c := range bl.Header {
		add(c.Text)
	}
	for _, row := range bl.Rows {
		for _, c := range row {
			add(c.Text)
		}
	}
	for _, img := range bl.Images {
		add(img.Caption)
	}
	for _, n := range bl.Notes {
		add(n.Text)
	}
	return strings.Join(parts, "\n")
}

// PlainText returns the text of a Markdown document without markup, one
// block per line.
func PlainText(source string) string {
	src := []byte(source)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	return nodeText(doc, src)
}

// nodeText returns the text of n without markup, one block per line. The
// text inside an inline <script> or <style> (removed from the HTML) is no
// text.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	hidden := false
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch t := n.(type) {
			case *east.FootnoteList:
				return ast.WalkSkipChildren, nil // notes are text of their own
			case *ast.RawHTML:
				tag := strings.ToLower(string(t.Segments.Value(src)))
				switch {
				case strings.HasPrefix(tag, "<script"), strings.HasPrefix(tag, "<style"):
					hidden = true
				case strings.HasPrefix(tag, "</script"), strings.HasPrefix(tag, "</style"):
					hidden = false
				}
			case *ast.Text:
				if hidden {
					break
				}
				b.Write(t.Segment.Value(src))
				if t.SoftLineBreak() || t.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(t.Value)
			case *ast.AutoLink:
				if !hidden {
					b.Write(t.Label(src))
				}
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
