package markdown

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

// Kind is the type of a block of an article's body.
type Kind string

// The block kinds; each is one member of the GraphQL Block union.
const (
	KindParagraph Kind = "paragraph"
	KindHeading   Kind = "heading"
	KindQuote     Kind = "quote"
	KindList      Kind = "list"
	KindTable     Kind = "table"
	KindImage     Kind = "image"
	KindGallery   Kind = "gallery"
	KindEmbed     Kind = "embed"
	KindReadAlso  Kind = "readAlso"
	KindFootnotes Kind = "footnotes"
	// KindHTML is anything else an editor wrote (code, a rule, raw HTML),
	// sanitised: apps show it in a web view.
	KindHTML Kind = "html"
)

// Block is one block of an article's body, as stored (JSON) and handed to
// the GraphQL layer. Which fields are set depends on Kind. HTML fields are
// already sanitised; Text fields are plain text.
type Block struct {
	Kind Kind `json:"kind"`
	// Line is where the block starts in the Markdown source (1-based).
	Line int `json:"line,omitempty"`
	// HTML is the inline markup of a paragraph or heading, the inner
	// markup of a quote, or the markup of an HTML block.
	HTML string `json:"html,omitempty"`
	Text string `json:"text,omitempty"`
	// Heading.
	Level  int    `json:"level,omitempty"`
	Anchor string `json:"anchor,omitempty"`
	// Quote.
	Attribution string `json:"attribution,omitempty"`
	// List.
	Ordered bool     `json:"ordered,omitempty"`
	Start   int      `json:"start,omitempty"`
	Items   []Inline `json:"items,omitempty"`
	// Table.
	Header []Inline   `json:"header,omitempty"`
	Rows   [][]Inline `json:"rows,omitempty"`
	Align  []string   `json:"align,omitempty"`
	// Image (one) and gallery (several).
	Images []Image `json:"images,omitempty"`
	// Embed.
	Embed *Embed `json:"embed,omitempty"`
	// Read also.
	Article *ArticleLink `json:"article,omitempty"`
	// Footnotes.
	Notes []Note `json:"notes,omitempty"`
}

// Inline is a piece of inline markup: a list item or a table cell.
type Inline struct {
	HTML string `json:"html"`
	Text string `json:"text"`
}

// Image is a picture from the media library placed in the body with
// ![alt](media:ID "caption").
type Image struct {
	MediaID string `json:"mediaId"`
	// ImageID is the library row MediaID names, set by the content service
	// (0 when MediaID names none).
	ImageID uint64 `json:"imageId,omitempty"`
	Alt     string `json:"alt,omitempty"`
	Caption string `json:"caption,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// ArticleLink is the target of a "Read also: [title](article:SLUG)" line.
type ArticleLink struct {
	Slug  string `json:"slug"`
	Title string `json:"title"`
	Line  int    `json:"line,omitempty"`
}

// Note is one footnote: its number (as shown at the reference) and body.
type Note struct {
	Number int    `json:"number"`
	HTML   string `json:"html"`
	Text   string `json:"text"`
}

// Ref is a reference from the body to something that must exist (a media
// library image, an article), with the line it is on.
type Ref struct {
	Value string
	Line  int
}

// Problem is a mistake in a body that the editor must fix, on a line.
type Problem struct {
	Line    int
	Message string
}

// EncodeBlocks returns blocks as stored in the database.
func EncodeBlocks(blocks []Block) (string, error) {
	if len(blocks) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(blocks)
	if err != nil {
		return "", fmt.Errorf("encode body blocks: %w", err)
	}
	return string(b), nil
}

// DecodeBlocks reads blocks stored by EncodeBlocks.
func DecodeBlocks(stored string) ([]Block, error) {
	var blocks []Block
	if err := json.Unmarshal([]byte(stored), &blocks); err != nil {
		return nil, fmt.Errorf("decode body blocks: %w", err)
	}
	return blocks, nil
}

// HasReferences reports whether blocks hold images or read-also links,
// whose HTML depends on the media library and on who is reading.
func HasReferences(blocks []Block) bool {
	for _, b := range blocks {
		switch b.Kind {
		case KindImage, KindGallery, KindReadAlso:
			return true
		}
	}
	return false
}

// StoredHasReferences is HasReferences for blocks as stored (their JSON),
// without decoding them: it may answer true for a body that holds none
// (the words in a text), never false for one that does. It walks the
// blocks' kinds in one pass: looking for each kind in turn read an
// article's stored blocks three times, 4% of an article page's CPU.
func StoredHasReferences(stored string) bool {
	const key = `"kind":"`
	for {
		i := strings.Index(stored, key)
		if i < 0 {
			return false
		}
		stored = stored[i+len(key):]
		kind, _, _ := strings.Cut(stored, `"`)
		switch Kind(kind) {
		case KindReadAlso, KindImage, KindGallery:
			return true
		}
	}
}

// ImageHTML renders a library image (the <img>, or <picture>) inside its
// figure, and gives the library's caption (used when the body gives none)
// and credit line for it; markup is "" when the image cannot be shown.
type ImageHTML func(img Image) (markup, caption, credit string)

// HTMLOptions says how blocks that point outside the body are rendered.
type HTMLOptions struct {
	// Image renders a library image; nil renders figures with captions
	// only (no media library).
	Image ImageHTML
	// Hide reports whether a read-also target must be left out (the
	// reader may not see it); nil shows every link.
	Hide func(slug string) bool
}

// HTML renders blocks to the page markup bodyHtml serves.
func HTML(blocks []Block, opt HTMLOptions) string {
	var b strings.Builder
	for _, bl := range blocks {
		writeBlock(&b, bl, opt)
	}
	return b.String()
}

func writeBlock(b *strings.Builder, bl Block, opt HTMLOptions) {
	esc := html.EscapeString
	switch bl.Kind {
	case KindParagraph:
		fmt.Fprintf(b, "<p>%s</p>\n", bl.HTML)
	case KindHeading:
		fmt.Fprintf(b, "<h%d id=\"%s\">%s</h%d>\n", bl.Level, esc(bl.Anchor), bl.HTML, bl.Level)
	case KindQuote:
		b.WriteString("<blockquote>\n" + bl.HTML)
		if bl.Attribution != "" {
			fmt.Fprintf(b, "<footer>— %s</footer>\n", esc(bl.Attribution))
		}
		b.WriteString("</blockquote>\n")
	case KindList:
		tag := "ul"
		if bl.Ordered {
			tag = "ol"
		}
		b.WriteString("<" + tag)
		if bl.Ordered && bl.Start > 1 {
			fmt.Fprintf(b, ` start="%d"`, bl.Start)
		}
		b.WriteString(">\n")
		for _, it := range bl.Items {
			b.WriteString("<li>" + it.HTML + "</li>\n")
		}
		b.WriteString("</" + tag + ">\n")
	case KindTable:
		writeTable(b, bl)
	case KindImage:
		if len(bl.Images) == 1 {
			writeFigure(b, bl.Images[0], opt)
		}
	case KindGallery:
		var figs strings.Builder
		for _, img := range bl.Images {
			writeFigure(&figs, img, opt)
		}
		if figs.Len() > 0 {
			b.WriteString("<div class=\"gallery\">\n" + figs.String() + "</div>\n")
		}
	case KindEmbed:
		if bl.Embed != nil {
			fmt.Fprintf(b, "<figure class=\"embed embed-%s\">%s</figure>\n", esc(bl.Embed.Provider), bl.Embed.HTML)
		}
	case KindReadAlso:
		if bl.Article == nil || (opt.Hide != nil && opt.Hide(bl.Article.Slug)) {
			return
		}
		fmt.Fprintf(b, "<aside class=\"read-also\"><p>Read also: <a href=\"/articles/%s\">%s</a></p></aside>\n", esc(bl.Article.Slug), esc(bl.Article.Title))
	case KindFootnotes:
		b.WriteString("<section class=\"footnotes\" role=\"doc-endnotes\">\n<hr>\n<ol>\n")
		for _, n := range bl.Notes {
			fmt.Fprintf(b, "<li id=\"fn:%d\">%s</li>\n", n.Number, n.HTML)
		}
		b.WriteString("</ol>\n</section>\n")
	case KindHTML:
		b.WriteString(bl.HTML + "\n")
	}
}

func writeTable(b *strings.Builder, bl Block) {
	cell := func(tag string, i int, c Inline) {
		b.WriteString("<" + tag)
		if i < len(bl.Align) && bl.Align[i] != "" {
			fmt.Fprintf(b, ` style="text-align: %s"`, bl.Align[i])
		}
		b.WriteString(">" + c.HTML + "</" + tag + ">")
	}
	b.WriteString("<table>\n<thead>\n<tr>")
	for i, c := range bl.Header {
		cell("th", i, c)
	}
	b.WriteString("</tr>\n</thead>\n")
	if len(bl.Rows) > 0 {
		b.WriteString("<tbody>\n")
		for _, row := range bl.Rows {
			b.WriteString("<tr>")
			for i, c := range row {
				cell("td", i, c)
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</tbody>\n")
	}
	b.WriteString("</table>\n")
}

func writeFigure(b *strings.Builder, img Image, opt HTMLOptions) {
	var pic, caption, credit string
	if opt.Image != nil {
		pic, caption, credit = opt.Image(img)
	}
	if img.Caption != "" {
		caption = img.Caption
	}
	if pic == "" && caption == "" {
		return
	}
	fmt.Fprintf(b, "<figure class=\"image\" data-media-id=\"%s\">%s", html.EscapeString(img.MediaID), pic)
	if caption != "" || credit != "" {
		b.WriteString("<figcaption>" + html.EscapeString(caption))
		if credit != "" {
			fmt.Fprintf(b, " <span class=\"credit\">%s</span>", html.EscapeString(credit))
		}
		b.WriteString("</figcaption>")
	}
	b.WriteString("</figure>\n")
}
