package model

// The members of the Block union: an article's body as structured blocks.
// graph converts the content service's markdown.Block values into them.

// Block is one block of an article's body.
type Block interface{ IsBlock() }

// ParagraphBlock is a paragraph of text.
type ParagraphBlock struct{ HTML, Text string }

// HeadingBlock is a subhead.
type HeadingBlock struct {
	Level              int
	Text, HTML, Anchor string
}

// QuoteBlock is a quotation.
type QuoteBlock struct {
	HTML, Text  string
	Attribution *string
}

// ListBlock is a bulleted or numbered list.
type ListBlock struct {
	Ordered bool
	Start   *int
	Items   []*RichText
}

// RichText is inline markup as HTML and as text.
type RichText struct{ HTML, Text string }

// TableBlock is a table.
type TableBlock struct {
	Header []*RichText
	Rows   []*TableRow
}

// TableRow is a row of a table.
type TableRow struct{ Cells []*RichText }

// ImageBlock is a picture from the media library.
type ImageBlock struct {
	// ImageID is the library row (0: MediaID names none).
	ImageID uint64
	MediaID string
	// Alt and Caption are what the editor wrote; the resolvers fall back
	// on the library's.
	Alt, Caption string
}

// GalleryBlock is pictures shown together.
type GalleryBlock struct{ Images []*ImageBlock }

// EmbedBlock is a third-party embed.
type EmbedBlock struct {
	Provider, URL, Title, HTML string
	EmbedURL, ThumbnailURL     *string
}

// ReadAlsoBlock links to another article; its article is resolved for the
// viewer (null when they may not see it).
type ReadAlsoBlock struct {
	Title string
	// Slug is the linked article's slug (not exposed: the article is).
	Slug string
}

// FootnotesBlock is the body's footnotes.
type FootnotesBlock struct{ Notes []*Footnote }

// Footnote is one note.
type Footnote struct {
	Number     int
	HTML, Text string
}

// HTMLBlock is anything else, sanitised.
type HTMLBlock struct{ HTML, Text string }

func (*ParagraphBlock) IsBlock() {}
func (*HeadingBlock) IsBlock()   {}
func (*QuoteBlock) IsBlock()     {}
func (*ListBlock) IsBlock()      {}
func (*TableBlock) IsBlock()     {}
func (*ImageBlock) IsBlock()     {}
func (*GalleryBlock) IsBlock()   {}
func (*EmbedBlock) IsBlock()     {}
func (*ReadAlsoBlock) IsBlock()  {}
func (*FootnotesBlock) IsBlock() {}
func (*HTMLBlock) IsBlock()      {}
