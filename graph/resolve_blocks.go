package graph

import (
	"context"
	"fmt"
	"html"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

// Blocks is the resolver for the blocks field: the blocks stored on save,
// converted for GraphQL.
func (r *articleResolver) Blocks(ctx context.Context, obj *models.Article) ([]model.Block, error) {
	return graphBlocks(r.Content.Blocks(obj))
}

// graphBlocks converts a body's blocks for GraphQL.
func graphBlocks(blocks []markdown.Block, err error) ([]model.Block, error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.Block, 0, len(blocks))
	for _, b := range blocks {
		if gb := toBlock(b); gb != nil {
			out = append(out, gb)
		}
	}
	return out, nil
}

// BodyHTML is the resolver for the bodyHtml field. The HTML stored on save
// serves as it is unless the body links to articles or library images:
// then it is rendered again from the blocks for this viewer, leaving out
// the read-also links they may not see.
func (r *articleResolver) BodyHTML(ctx context.Context, obj *models.Article) (string, error) {
	return r.viewerHTML(ctx, obj.BodyBlocks, obj.BodyHTML, func() ([]markdown.Block, error) { return r.Content.Blocks(obj) })
}

// viewerHTML returns a body's HTML for the viewer: html as stored, unless
// the stored blocks may refer to articles or library images; then rendered
// again from the blocks, leaving out read-also links the viewer may not see.
func (r *Resolver) viewerHTML(ctx context.Context, storedBlocks, html string, load func() ([]markdown.Block, error)) (string, error) {
	if !markdown.StoredHasReferences(storedBlocks) {
		return html, nil
	}
	blocks, err := load()
	if err != nil {
		return "", err
	}
	if inSubscription(ctx) {
		// No query per subscriber and event: read-also links are left out
		// and pictures shown by their captions; the article queried when
		// the event arrives has them.
		return markdown.HTML(blocks, markdown.HTMLOptions{Hide: func(string) bool { return true }}), nil
	}
	var slugs []string
	var imageIDs []uint64
	for _, b := range blocks {
		if b.Kind == markdown.KindReadAlso && b.Article != nil {
			slugs = append(slugs, b.Article.Slug)
		}
		for _, img := range b.Images {
			if img.ImageID != 0 {
				imageIDs = append(imageIDs, img.ImageID)
				// The page shows the picture's alt text and URLs.
				httpcache.AddKeys(ctx, cachekey.Image(img.ImageID))
			}
		}
	}
	images := map[uint64]*models.Image{}
	if len(imageIDs) > 0 {
		found, err := loaders.From(ctx).ImageByID().LoadAll(ctx, imageIDs)
		if err != nil {
			return "", err
		}
		for _, img := range found {
			if img != nil {
				images[img.ID] = img
			}
		}
	}
	visible := map[string]bool{}
	if len(slugs) > 0 {
		found, err := loaders.From(ctx).ArticleBySlug().LoadAll(ctx, slugs)
		if err != nil {
			return "", err
		}
		for i, a := range found {
			visible[slugs[i]] = a != nil
			// The page changes when the target is edited, or when a hidden
			// one is published.
			if a != nil {
				httpcache.AddKeys(ctx, cachekey.Article(a.ID))
			} else {
				httpcache.AddKeys(ctx, cachekey.Articles)
			}
		}
	}
	return markdown.HTML(blocks, markdown.HTMLOptions{
		Hide:  func(slug string) bool { return !visible[slug] },
		Image: func(in markdown.Image) (string, string, string) { return r.pictureHTML(images[in.ImageID], in) },
	}), nil
}

// bodyImageWidths are the widths a body picture's srcset offers, for
// columns up to about 800 CSS pixels on screens up to twice as dense:
// rungs of picture.Ladder, as every width is snapped to it.
var bodyImageWidths = []int{480, 960, 1280, 1600}

// pictureHTML is a library picture's <img> in bodyHtml (signed rendition
// URLs, intrinsic size so the page does not jump, lazy loading), its
// library caption and its credit; no <img> when the picture is gone or
// there is no library.
func (r *Resolver) pictureHTML(img *models.Image, in markdown.Image) (markup, caption, credit string) {
	if img == nil {
		return "", "", ""
	}
	if r.Media == nil {
		return "", img.Caption, img.Credit
	}
	srcset, err := r.Media.Srcset(img, bodyImageWidths, "")
	if err != nil {
		return "", img.Caption, img.Credit
	}
	alt := or(in.Alt, img.Alt)
	return fmt.Sprintf(`<img src="%s" srcset="%s" sizes="(max-width: 800px) 100vw, 800px" width="%d" height="%d" alt="%s" loading="lazy" decoding="async">`,
		html.EscapeString(r.Media.URL(img, media.URLOptions{Width: 1280})), html.EscapeString(srcset), img.Width, img.Height, html.EscapeString(alt)), img.Caption, img.Credit
}

// Article is the resolver for the article field: the linked article if the
// viewer may see it, loaded with every other read-also link of the request.
func (r *readAlsoBlockResolver) Article(ctx context.Context, obj *model.ReadAlsoBlock) (*models.Article, error) {
	return loaders.From(ctx).ArticleBySlug().Load(ctx, obj.Slug)
}

// ReadAlsoBlock returns ReadAlsoBlockResolver implementation.
func (r *Resolver) ReadAlsoBlock() ReadAlsoBlockResolver { return &readAlsoBlockResolver{r} }

// ImageBlock returns ImageBlockResolver implementation.
func (r *Resolver) ImageBlock() ImageBlockResolver { return &imageBlockResolver{r} }

type (
	readAlsoBlockResolver struct{ *Resolver }
	imageBlockResolver    struct{ *Resolver }
)

// Image is the resolver for the image field: the library picture, loaded
// with every other picture of the request.
func (r *imageBlockResolver) Image(ctx context.Context, obj *model.ImageBlock) (*models.Image, error) {
	if obj.ImageID == 0 {
		return nil, nil
	}
	// Also for alt, caption and credit, which call it and show the
	// library's description.
	httpcache.AddKeys(ctx, cachekey.Image(obj.ImageID))
	return loaders.From(ctx).ImageByID().Load(ctx, obj.ImageID)
}

// Alt is the resolver for the alt field: the editor's, else the library's
// (not over a subscription: see checkLiveSelection).
func (r *imageBlockResolver) Alt(ctx context.Context, obj *model.ImageBlock) (string, error) {
	if obj.Alt != "" || inSubscription(ctx) {
		return obj.Alt, nil
	}
	img, err := r.Image(ctx, obj)
	if err != nil || img == nil {
		return "", err
	}
	return img.Alt, nil
}

// Caption is the resolver for the caption field: the editor's, else the
// library's (not over a subscription).
func (r *imageBlockResolver) Caption(ctx context.Context, obj *model.ImageBlock) (*string, error) {
	if obj.Caption != "" || inSubscription(ctx) {
		return nonEmpty(obj.Caption), nil
	}
	img, err := r.Image(ctx, obj)
	if err != nil || img == nil {
		return nil, err
	}
	return nonEmpty(img.Caption), nil
}

// Credit is the resolver for the credit field, from the library.
func (r *imageBlockResolver) Credit(ctx context.Context, obj *model.ImageBlock) (*string, error) {
	img, err := r.Image(ctx, obj)
	if err != nil || img == nil {
		return nil, err
	}
	return nonEmpty(img.Credit), nil
}

// toBlock converts a stored block; nil for a kind this schema lacks.
func toBlock(b markdown.Block) model.Block {
	switch b.Kind {
	case markdown.KindParagraph:
		return &model.ParagraphBlock{HTML: b.HTML, Text: b.Text}
	case markdown.KindHeading:
		return &model.HeadingBlock{Level: b.Level, Text: b.Text, HTML: b.HTML, Anchor: b.Anchor}
	case markdown.KindQuote:
		return &model.QuoteBlock{HTML: b.HTML, Text: b.Text, Attribution: nonEmpty(b.Attribution)}
	case markdown.KindList:
		l := &model.ListBlock{Ordered: b.Ordered, Items: richTexts(b.Items)}
		if b.Ordered {
			start := max(b.Start, 1)
			l.Start = &start
		}
		return l
	case markdown.KindTable:
		t := &model.TableBlock{Header: richTexts(b.Header), Rows: make([]*model.TableRow, len(b.Rows))}
		for i, row := range b.Rows {
			t.Rows[i] = &model.TableRow{Cells: richTexts(row)}
		}
		return t
	case markdown.KindImage:
		if len(b.Images) != 1 {
			return nil
		}
		return imageBlock(b.Images[0])
	case markdown.KindGallery:
		g := &model.GalleryBlock{Images: make([]*model.ImageBlock, len(b.Images))}
		for i, img := range b.Images {
			g.Images[i] = imageBlock(img)
		}
		return g
	case markdown.KindEmbed:
		if b.Embed == nil {
			return nil
		}
		e := b.Embed
		return &model.EmbedBlock{Provider: e.Provider, URL: e.URL, Title: e.Title, HTML: e.HTML,
			EmbedURL: nonEmpty(e.EmbedURL), ThumbnailURL: nonEmpty(e.ThumbnailURL)}
	case markdown.KindReadAlso:
		if b.Article == nil {
			return nil
		}
		return &model.ReadAlsoBlock{Title: b.Article.Title, Slug: b.Article.Slug}
	case markdown.KindFootnotes:
		f := &model.FootnotesBlock{Notes: make([]*model.Footnote, len(b.Notes))}
		for i, n := range b.Notes {
			f.Notes[i] = &model.Footnote{Number: n.Number, HTML: n.HTML, Text: n.Text}
		}
		return f
	case markdown.KindHTML:
		return &model.HTMLBlock{HTML: b.HTML, Text: b.Text}
	}
	return nil
}

func imageBlock(img markdown.Image) *model.ImageBlock {
	return &model.ImageBlock{ImageID: img.ImageID, MediaID: img.MediaID, Alt: img.Alt, Caption: img.Caption}
}

func richTexts(in []markdown.Inline) []*model.RichText {
	out := make([]*model.RichText, len(in))
	for i, c := range in {
		out[i] = &model.RichText{HTML: c.HTML, Text: c.Text}
	}
	return out
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
