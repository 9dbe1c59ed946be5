package demo

import (
	"bytes"
	"context"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"math"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/models"
)

// SeedOption changes what Seed writes.
type SeedOption func(*seedOptions)

type seedOptions struct{ lib *media.Service }

// WithCovers gives every demo article a cover picture, drawn here (so no
// licence question arises) and uploaded to lib; nil: no covers.
func WithCovers(lib *media.Service) SeedOption {
	return func(o *seedOptions) { o.lib = lib }
}

// sectionColours are the demo sections' colours, for their covers.
var sectionColours = map[string]color.RGBA{
	"world":      {0x1f, 0x4e, 0x8c, 0xff},
	"politics":   {0xa8, 0x32, 0x32, 0xff},
	"business":   {0x1d, 0x7a, 0x5a, 0xff},
	"technology": {0x5b, 0x3c, 0x9e, 0xff},
	"science":    {0x0f, 0x7c, 0x8c, 0xff},
	"culture":    {0xc2, 0x6a, 0x1b, 0xff},
	"lifestyle":  {0xb8, 0x3f, 0x7a, 0xff},
}

// cover uploads a's cover and sets it on in.
func (o seedOptions) cover(ctx context.Context, a Article, in *content.ArticleInput) error {
	if o.lib == nil {
		return nil
	}
	data, err := CoverJPEG(a.Slug, a.Category, 1600, 900)
	if err != nil {
		return err
	}
	alt := "An abstract illustration in the colours of the " + a.Category + " section"
	credit := "Broadsheet demo illustration"
	img, err := o.lib.Upload(ctx, media.File{Filename: a.Slug + ".jpg", Content: bytes.NewReader(data)},
		media.Input{Alt: &alt, Credit: &credit})
	if err != nil {
		return err
	}
	in.Cover = models.CoverImage{ImageID: models.RefID(img.ID)}
	return nil
}

// CoverJPEG draws a w×h picture for an article: a diagonal gradient in
// its section's colour with a few translucent circles placed by its slug.
func CoverJPEG(slug, section string, w, h int) ([]byte, error) {
	base, ok := sectionColours[section]
	if !ok {
		base = color.RGBA{0x44, 0x44, 0x44, 0xff}
	}
	hash := fnv.New64a()
	hash.Write([]byte(slug))
	seed := hash.Sum64()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type circle struct{ x, y, r float64 }
	var circles []circle
	for i := range 5 {
		v := seed >> (i * 12)
		circles = append(circles, circle{
			x: float64(v&0xff) / 255 * float64(w),
			y: float64((v>>8)&0xf) / 15 * float64(h),
			r: float64(h) * (0.12 + 0.25*float64((v>>4)&0xf)/15),
		})
	}
	for y := range h {
		for x := range w {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2 // 0 top left … 1 bottom right
			light := 1.25 - 0.6*t
			for _, c := range circles {
				if d := math.Hypot(float64(x)-c.x, float64(y)-c.y); d < c.r {
					light += 0.18 * (1 - d/c.r)
				}
			}
			img.SetRGBA(x, y, color.RGBA{shade(base.R, light), shade(base.G, light), shade(base.B, light), 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func shade(c uint8, f float64) uint8 { return uint8(math.Max(0, math.Min(255, float64(c)*f))) }
