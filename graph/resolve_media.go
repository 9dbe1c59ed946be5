package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/picture"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

// Image returns ImageResolver implementation.
func (r *Resolver) Image() ImageResolver { return &imageResolver{r} }

// CoverImage returns CoverImageResolver implementation.
func (r *Resolver) CoverImage() CoverImageResolver { return &coverImageResolver{r} }

type (
	imageResolver      struct{ *Resolver }
	coverImageResolver struct{ *Resolver }
)

// errNoMedia answers media fields on a server without a media library.
var errNoMedia = &apperr.Error{Kind: apperr.Unavailable, Message: "this server has no media library configured"}

func (r *Resolver) media() (*media.Service, error) {
	if r.Media == nil {
		return nil, errNoMedia
	}
	return r.Media, nil
}

// Images is the resolver for the images field.
func (r *queryResolver) Images(ctx context.Context, first *int, after *string, search *string) (*model.Connection[*models.Image], error) {
	m, err := r.media()
	if err != nil {
		return nil, err
	}
	list, err := m.List(ctx, deref(search), page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.ImageConnection{List: list}, nil
}

// UploadImage is the resolver for the uploadImage field.
func (r *mutationResolver) UploadImage(ctx context.Context, file graphql.Upload, input *model.ImageInput) (*model.ImagePayload, error) {
	m, err := r.media()
	if err != nil {
		return nil, err
	}
	var in media.Input
	if input != nil {
		in = imageInput(*input)
	}
	return imagePayload(m.Upload(ctx, media.File{Filename: file.Filename, Content: file.File}, in))
}

// UpdateImage is the resolver for the updateImage field.
func (r *mutationResolver) UpdateImage(ctx context.Context, id string, input model.ImageInput) (*model.ImagePayload, error) {
	m, err := r.media()
	if err != nil {
		return nil, err
	}
	imageID, err := idArg(globalid.TypeImage, "id", id)
	if err != nil {
		return imagePayload(nil, err)
	}
	return imagePayload(m.Update(ctx, imageID, imageInput(input)))
}

// DeleteImage is the resolver for the deleteImage field.
func (r *mutationResolver) DeleteImage(ctx context.Context, id string) (*model.ImagePayload, error) {
	m, err := r.media()
	if err != nil {
		return nil, err
	}
	imageID, err := idArg(globalid.TypeImage, "id", id)
	if err != nil {
		return imagePayload(nil, err)
	}
	img, err := m.Delete(ctx, imageID)
	p, perr := imagePayload(img, err)
	var inUse *media.InUseError
	if perr == nil && errors.As(err, &inUse) {
		found, err := r.Content.ArticlesByIDs(ctx, inUse.Articles)
		if err != nil {
			return nil, err
		}
		for _, a := range found {
			if a != nil {
				p.UsedBy = append(p.UsedBy, a)
			}
		}
	}
	return p, perr
}

func imageInput(in model.ImageInput) media.Input {
	out := media.Input{Alt: in.Alt, Caption: in.Caption, Credit: in.Credit}
	if f := in.FocalPoint; f != nil {
		out.Focal = &models.FocalPoint{X: f.X, Y: f.Y}
	}
	return out
}

func imagePayload(img *models.Image, err error) (*model.ImagePayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		img = nil
	}
	return &model.ImagePayload{Image: img, UserErrors: ue, UsedBy: []*models.Article{}}, nil
}

// URL is the resolver for the url field.
func (r *imageResolver) URL(ctx context.Context, obj *models.Image, width *int, height *int, format *model.ImageFormat, fit *model.ImageFit) (string, error) {
	m, err := r.media()
	if err != nil {
		return "", err
	}
	o := media.URLOptions{Width: deref(width), Height: deref(height), Format: pictureFormat(format)}
	if o.Width < 0 || o.Width > picture.MaxSide || o.Height < 0 || o.Height > picture.MaxSide {
		return "", apperr.Invalidf("width", "width and height are between 1 and %d", picture.MaxSide)
	}
	if fit != nil && *fit == model.ImageFitContain {
		o.Fit = picture.Contain
	}
	return m.URL(obj, o), nil
}

// Srcset is the resolver for the srcset field.
func (r *imageResolver) Srcset(ctx context.Context, obj *models.Image, widths []int, format *model.ImageFormat) (string, error) {
	m, err := r.media()
	if err != nil {
		return "", err
	}
	s, err := m.Srcset(obj, widths, pictureFormat(format))
	if err != nil {
		return "", apperr.Invalidf("widths", "%s", err.Error())
	}
	return s, nil
}

func pictureFormat(f *model.ImageFormat) picture.Format {
	if f == nil {
		return ""
	}
	switch *f {
	case model.ImageFormatPng:
		return picture.PNG
	case model.ImageFormatWebp:
		return picture.WEBP
	}
	return picture.JPEG
}

// CoverImage is the resolver for the coverImage field: a library picture's
// URL, alt text, caption and credit are filled in from the picture where
// the article leaves them empty.
func (r *articleResolver) CoverImage(ctx context.Context, obj *models.Article) (*models.CoverImage, error) {
	c := obj.CoverImage()
	if c == nil || c.ImageID == 0 {
		return c, nil
	}
	// The cover shows the picture's description and URL: its edits purge.
	httpcache.AddKeys(ctx, cachekey.Image(uint64(c.ImageID)))
	img, err := loaders.From(ctx).ImageByID().Load(ctx, uint64(c.ImageID))
	if err != nil || img == nil || r.Media == nil {
		// A picture deleted under a stale row, or no library: no cover.
		return nil, err
	}
	c.URL = r.Media.CoverURL(img) // other sizes: CoverImage.image
	c.Alt, c.Caption, c.Credit = or(c.Alt, img.Alt), or(c.Caption, img.Caption), or(c.Credit, img.Credit)
	return c, nil
}

// withCoverURL returns obj, or when its cover is a library picture a copy
// whose cover has the picture's URL, caption and credit filled in (for
// link previews and structured data, which read the cover's URL).
func (r *articleResolver) withCoverURL(ctx context.Context, obj *models.Article) (*models.Article, error) {
	if obj.Cover.ImageID == 0 || obj.Cover.URL != "" {
		return obj, nil
	}
	c, err := r.CoverImage(ctx, obj)
	if err != nil || c == nil {
		return obj, err
	}
	cp := *obj
	cp.Cover = *c
	return &cp, nil
}

// coverSizes are the structured-data renditions of a library cover
// (16:9, 4:3, 1:1 with their sizes); none for a cover given by URL.
func (r *articleResolver) coverSizes(ctx context.Context, obj *models.Article) ([]content.ImageSize, error) {
	if obj.Cover.ImageID == 0 || r.Media == nil {
		return nil, nil
	}
	img, err := loaders.From(ctx).ImageByID().Load(ctx, uint64(obj.Cover.ImageID))
	if err != nil || img == nil {
		return nil, err
	}
	var out []content.ImageSize
	for _, sz := range r.Media.StructuredData(img) {
		out = append(out, content.ImageSize{URL: sz.URL, Width: sz.Width, Height: sz.Height})
	}
	return out, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Image is the resolver for the image field.
func (r *coverImageResolver) Image(ctx context.Context, obj *models.CoverImage) (*models.Image, error) {
	if obj.ImageID == 0 {
		return nil, nil
	}
	return loaders.From(ctx).ImageByID().Load(ctx, uint64(obj.ImageID))
}
