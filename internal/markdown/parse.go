package markdown

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"

	"github.com/broadsheet/broadsheet/models"
)

// The schemes of references to the newsroom's own content.
const (
	mediaScheme   = "media:"
	articleScheme = "article:"
	readAlsoLabel = "Read also:"
)

// builder turns one parsed document into blocks, collecting the
// references and problems it meets on the way.
type builder struct {
	r        *Renderer
	src      []byte
	lines    []int // byte offset of the start of each line
	out      Rendered
	seenNote map[int]bool
}

// line returns the 1-based line of byte offset off.
func (b *builder) line(off int) int {
	lo, hi := 0, len(b.lines)
	for lo < hi {
		m := (lo + hi) / 2
		if b.lines[m] <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return max(lo, 1)
}

// lineOf returns the line a node starts on: its own first line, or that
// of its first descendant that has one.
func (b *builder) lineOf(n ast.Node) int {
	for c := n; c != nil; c = c.FirstChild() {
		if c.Type() == ast.TypeBlock && c.Lines().Len() > 0 {
			return b.line(c.Lines().At(0).Start)
		}
		if t, ok := c.(*ast.Text); ok {
			return b.line(t.Segment.Start)
		}
	}
	if p := n.Parent(); p != nil && p.Kind() != ast.KindDocument {
		return b.lineOf(p)
	}
	return 0
}

// render returns the sanitised HTML of n's children (inner markup).
func (b *builder) inner(n ast.Node) string {
	var buf bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		_ = b.r.md.Renderer().Render(&buf, b.src, c)
	}
	return strings.TrimSpace(b.r.sanitize(buf.Bytes()))
}

// whole returns the sanitised HTML of n itself.
func (b *builder) whole(n ast.Node) string {
	var buf bytes.Buffer
	_ = b.r.md.Renderer().Render(&buf, b.src, n)
	return strings.TrimSpace(b.r.sanitize(buf.Bytes()))
}

func (b *builder) text(n ast.Node) string { return nodeText(n, b.src) }

func (b *builder) problem(line int, format string, args ...any) {
	b.out.Problems = append(b.out.Problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// build walks the top-level nodes of doc.
func (b *builder) build(doc ast.Node) {
	b.rewriteLinks(doc)
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if bl, ok := b.block(n); ok {
			b.out.Blocks = append(b.out.Blocks, bl)
		}
	}
	slices.SortStableFunc(b.out.Problems, func(x, y Problem) int { return x.Line - y.Line })
}

// rewriteLinks points article:SLUG links at the article's page and
// records every media: and article: reference for validation.
func (b *builder) rewriteLinks(doc ast.Node) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch l := n.(type) {
		case *ast.Link:
			if slug, ok := strings.CutPrefix(string(l.Destination), articleScheme); ok {
				line := b.lineOf(l)
				if !models.ValidSlug(slug) {
					b.problem(line, "%q is not an article slug", slug)
				} else {
					b.out.ArticleRefs = append(b.out.ArticleRefs, Ref{Value: slug, Line: line})
				}
				l.Destination = []byte("/articles/" + url.PathEscape(slug))
			}
		case *ast.Image:
			if id, ok := strings.CutPrefix(string(l.Destination), mediaScheme); ok {
				line := b.lineOf(l)
				if id == "" {
					b.problem(line, "an image needs a media library id: media:ID")
				} else {
					b.out.MediaRefs = append(b.out.MediaRefs, Ref{Value: id, Line: line})
				}
			}
		}
		return ast.WalkContinue, nil
	})
}

// block converts one top-level node; false when it yields no block.
func (b *builder) block(n ast.Node) (Block, bool) {
	line := b.lineOf(n)
	switch n := n.(type) {
	case *ast.Heading:
		anchor, _ := n.AttributeString("id")
		id, _ := anchor.([]byte)
		return Block{Kind: KindHeading, Line: line, Level: n.Level, Anchor: string(id), HTML: b.inner(n), Text: b.text(n)}, true
	case *ast.Paragraph:
		bl := b.paragraph(n, line)
		return bl, bl.Kind != ""
	case *ast.Blockquote:
		return b.quote(n, line), true
	case *ast.List:
		bl := Block{Kind: KindList, Line: line, Ordered: n.IsOrdered()}
		if n.IsOrdered() {
			bl.Start = n.Start
		}
		for it := n.FirstChild(); it != nil; it = it.NextSibling() {
			bl.Items = append(bl.Items, Inline{HTML: b.inner(it), Text: b.text(it)})
		}
		return bl, true
	case *east.Table:
		return b.table(n, line), true
	case *east.FootnoteList:
		bl := Block{Kind: KindFootnotes, Line: line}
		for f := n.FirstChild(); f != nil; f = f.NextSibling() {
			if fn, ok := f.(*east.Footnote); ok {
				bl.Notes = append(bl.Notes, Note{Number: fn.Index, HTML: b.inner(fn), Text: b.text(fn)})
			}
		}
		return bl, len(bl.Notes) > 0
	default:
		h := b.whole(n)
		if blank(h) {
			return Block{}, false
		}
		return Block{Kind: KindHTML, Line: line, HTML: h, Text: b.text(n)}, true
	}
}

// paragraph recognises the paragraphs that are something else: library
// images alone (an image or a gallery), a provider's URL alone (an embed)
// and "Read also: [title](article:SLUG)".
func (b *builder) paragraph(p *ast.Paragraph, line int) Block {
	if imgs, ok := b.mediaOnly(p); ok {
		if len(imgs) == 1 {
			return Block{Kind: KindImage, Line: line, Images: imgs}
		}
		return Block{Kind: KindGallery, Line: line, Images: imgs}
	}
	if e, ok := b.embedOnly(p); ok {
		return Block{Kind: KindEmbed, Line: line, Embed: e}
	}
	if link, ok := b.readAlso(p); ok {
		link.Line = line
		return Block{Kind: KindReadAlso, Line: line, Article: link, Text: readAlsoLabel + " " + link.Title}
	}
	ast.Walk(p, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if img, ok := n.(*ast.Image); ok && entering && bytes.HasPrefix(img.Destination, []byte(mediaScheme)) {
			b.problem(b.lineOf(img), "a library image must stand on a line of its own, not inside text")
		}
		return ast.WalkContinue, nil
	})
	bl := Block{Kind: KindParagraph, Line: line, HTML: b.inner(p), Text: b.text(p)}
	if blank(bl.HTML) { // only markup the sanitiser removed
		return Block{}
	}
	return bl
}

// mediaOnly returns the library images of a paragraph that holds nothing
// else (line breaks and spaces between them aside).
func (b *builder) mediaOnly(p *ast.Paragraph) ([]Image, bool) {
	var imgs []Image
	for c := p.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Image:
			id, ok := strings.CutPrefix(string(c.Destination), mediaScheme)
			if !ok {
				return nil, false
			}
			imgs = append(imgs, Image{MediaID: id, Alt: b.text(c), Caption: string(c.Title), Line: b.lineOf(c)})
		case *ast.Text:
			if len(bytes.TrimSpace(c.Segment.Value(b.src))) > 0 {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return imgs, len(imgs) > 0
}

// embedOnly returns the embed of a paragraph that is only a URL of an
// enabled provider (bare, <autolinked> or [linked](to itself)).
func (b *builder) embedOnly(p *ast.Paragraph) (*Embed, bool) {
	c := p.FirstChild()
	if c == nil || c.NextSibling() != nil {
		return nil, false
	}
	var raw string
	switch c := c.(type) {
	case *ast.AutoLink:
		raw = string(c.URL(b.src))
	case *ast.Text:
		raw = string(c.Segment.Value(b.src))
	case *ast.Link:
		raw = string(c.Destination)
		if b.text(c) != raw {
			return nil, false
		}
	default:
		return nil, false
	}
	return embedFor(b.r.providers, raw)
}

// readAlso returns the link of a "Read also: [title](article:SLUG)"
// paragraph (a link to /articles/SLUG counts the same).
func (b *builder) readAlso(p *ast.Paragraph) (*ArticleLink, bool) {
	t, ok := p.FirstChild().(*ast.Text)
	if !ok || strings.TrimSpace(string(t.Segment.Value(b.src))) != readAlsoLabel {
		return nil, false
	}
	l, ok := t.NextSibling().(*ast.Link)
	if !ok {
		return nil, false
	}
	for rest := l.NextSibling(); rest != nil; rest = rest.NextSibling() {
		if tt, ok := rest.(*ast.Text); !ok || len(bytes.TrimSpace(tt.Segment.Value(b.src))) > 0 {
			return nil, false
		}
	}
	// rewriteLinks has turned article:SLUG into /articles/SLUG already.
	slug, ok := strings.CutPrefix(string(l.Destination), "/articles/")
	if !ok || !models.ValidSlug(slug) {
		return nil, false
	}
	return &ArticleLink{Slug: slug, Title: b.text(l)}, true
}

// quote is a block quote; a last paragraph starting with a dash ("— Name",
// "-- Name") is its attribution.
func (b *builder) quote(q *ast.Blockquote, line int) Block {
	bl := Block{Kind: KindQuote, Line: line}
	if last, ok := q.LastChild().(*ast.Paragraph); ok && q.ChildCount() > 1 {
		txt := b.text(last)
		for _, dash := range []string{"—", "–", "--", "-"} {
			if rest, ok := strings.CutPrefix(txt, dash); ok && strings.TrimSpace(rest) != "" {
				bl.Attribution = strings.TrimSpace(rest)
				q.RemoveChild(q, last)
				break
			}
		}
	}
	bl.HTML, bl.Text = b.inner(q), b.text(q)
	return bl
}

func (b *builder) table(t *east.Table, line int) Block {
	bl := Block{Kind: KindTable, Line: line}
	for _, a := range t.Alignments {
		if a == east.AlignNone {
			bl.Align = append(bl.Align, "")
		} else {
			bl.Align = append(bl.Align, a.String())
		}
	}
	cells := func(row ast.Node) []Inline {
		var out []Inline
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			out = append(out, Inline{HTML: b.inner(c), Text: b.text(c)})
		}
		return out
	}
	for r := t.FirstChild(); r != nil; r = r.NextSibling() {
		switch r.(type) {
		case *east.TableHeader:
			bl.Header = cells(r)
		case *east.TableRow:
			bl.Rows = append(bl.Rows, cells(r))
		}
	}
	return bl
}
