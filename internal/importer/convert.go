package importer

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Converter turns archive HTML (WordPress classic or block editor, Ghost)
// into Broadsheet's Markdown through html-to-markdown: headings, lists,
// quotes, images, tables, code and links survive; block editor comments
// (<!-- wp:paragraph -->) are dropped with every other comment;
// shortcodes ([caption], [gallery]) stay as text and are never run.
type Converter struct {
	conv   *converter.Converter
	domain string // the old site, for relative links and images
}

// NewConverter returns a converter resolving relative links against domain
// (the old site's URL; "" keeps them relative).
func NewConverter(domain string) *Converter {
	return &Converter{
		conv: converter.NewConverter(converter.WithPlugins(
			base.NewBasePlugin(), commonmark.NewCommonmarkPlugin(),
			table.NewTablePlugin(), strikethrough.NewStrikethroughPlugin(),
		)),
		domain: strings.TrimRight(domain, "/"),
	}
}

// HTML converts an HTML fragment to Markdown.
func (c *Converter) HTML(fragment string) (string, error) {
	var opts []converter.ConvertOptionFunc
	if c.domain != "" {
		opts = append(opts, converter.WithDomain(c.domain))
	}
	md, err := c.conv.ConvertString(fragment, opts...)
	if err != nil {
		return "", fmt.Errorf("convert HTML to Markdown: %w", err)
	}
	return strings.TrimSpace(md), nil
}

// WordPress converts a post's content: block editor markup as it is,
// classic editor content after AutoP (its blank lines are paragraphs).
func (c *Converter) WordPress(content string) (string, error) {
	if !strings.Contains(content, "<!-- wp:") {
		content = AutoP(content)
	}
	return c.HTML(content)
}

// blockElements end a paragraph of classic content and are copied whole.
var blockElements = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Details: true,
	atom.Div: true, atom.Dl: true, atom.Fieldset: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hr: true, atom.Iframe: true, atom.Math: true, atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true,
	atom.Script: true, atom.Section: true, atom.Style: true, atom.Table: true, atom.Ul: true, atom.Video: true,
	atom.Audio: true, atom.Object: true, atom.Embed: true, atom.Select: true, atom.Noscript: true,
}

// AutoP does what WordPress's wpautop does to classic editor content when
// it shows a post: text separated by a blank line becomes paragraphs, a
// single line break inside one becomes <br>. Block elements (lists,
// tables, quotes, <pre> …) are copied untouched, so code keeps its line
// breaks. It reads the content with an HTML tokenizer, not patterns.
func AutoP(content string) string {
	var out, para bytes.Buffer
	flush := func() {
		p := strings.TrimSpace(para.String())
		para.Reset()
		if p == "" {
			return
		}
		out.WriteString("<p>")
		out.WriteString(strings.ReplaceAll(p, "\n", "<br>\n"))
		out.WriteString("</p>\n")
	}
	z := html.NewTokenizer(strings.NewReader(content))
	depth := 0 // inside a block element copied whole
	var open atom.Atom
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				out.Write(z.Raw())
			}
			break
		}
		raw := z.Raw()
		name, _ := z.TagName()
		a := atom.Lookup(name)
		switch {
		case depth > 0:
			out.Write(raw)
			if a == open && tt == html.StartTagToken {
				depth++
			} else if a == open && tt == html.EndTagToken {
				depth--
				if depth == 0 {
					out.WriteByte('\n')
				}
			}
		case blockElements[a] && tt == html.StartTagToken:
			flush()
			out.Write(raw)
			if a != atom.Hr && a != atom.Embed {
				open, depth = a, 1
			}
		case blockElements[a]:
			flush()
			out.Write(raw)
		case tt == html.TextToken:
			text := strings.ReplaceAll(string(raw), "\r\n", "\n")
			for i, chunk := range splitBlank(text) {
				if i > 0 {
					flush()
				}
				para.WriteString(chunk)
			}
		case tt == html.CommentToken:
			// Dropped, as WordPress shows none.
		default:
			para.Write(raw)
		}
	}
	flush()
	return out.String()
}

// splitBlank splits text at blank lines: a line with nothing but spaces
// that is neither the rest of the line before the text nor the start of
// the line after it.
func splitBlank(text string) []string {
	var parts []string
	lines := strings.Split(text, "\n")
	var cur []string
	for i, l := range lines {
		if i > 0 && i < len(lines)-1 && strings.TrimSpace(l) == "" {
			parts = append(parts, strings.Join(cur, "\n"))
			cur = nil
			continue
		}
		cur = append(cur, l)
	}
	return append(parts, strings.Join(cur, "\n"))
}
