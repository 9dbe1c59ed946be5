package picture

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"math"

	"github.com/disintegration/imaging"
)

// MaxSide is the largest width or height a rendition may have.
const MaxSide = 4096

// Fit is how a picture fills a box.
type Fit string

// The fits.
const (
	Crop    Fit = "crop"
	Contain Fit = "contain"
)

// Spec is one rendition: its exact output size, how to fill it and, for
// crops, the focal point (fractions of the source's width and height).
type Spec struct {
	Width, Height int
	Fit           Fit
	FocalX        float64
	FocalY        float64
}

// Plan turns what a client asks for (0 for a side it leaves free) into the
// exact output size for a source of srcW×srcH: proportions kept unless
// both sides are given with Crop, never larger than the source, at most
// MaxSide a side and at least 1 px.
func Plan(srcW, srcH, w, h int, fit Fit, fx, fy float64) Spec {
	s := Spec{Fit: fit, FocalX: fx, FocalY: fy}
	sw, sh := float64(srcW), float64(srcH)
	switch {
	case w <= 0 && h <= 0:
		w = min(srcW, MaxSide)
		fallthrough
	case h <= 0:
		scale := min(float64(min(w, srcW, MaxSide))/sw, float64(MaxSide)/sh)
		s.Width, s.Height = side(sw*scale), side(sh*scale)
		s.Fit = Contain
	case w <= 0:
		scale := min(float64(min(h, srcH, MaxSide))/sh, float64(MaxSide)/sw)
		s.Width, s.Height = side(sw*scale), side(sh*scale)
		s.Fit = Contain
	case fit == Contain:
		scale := min(float64(w)/sw, float64(h)/sh, 1)
		s.Width, s.Height = min(side(sw*scale), MaxSide), min(side(sh*scale), MaxSide)
	default: // a crop: the box's shape, shrunk until the source covers it
		w, h = min(w, MaxSide), min(h, MaxSide)
		shrink := min(sw/float64(w), sh/float64(h), 1)
		s.Width, s.Height = side(float64(w)*shrink), side(float64(h)*shrink)
		s.Fit = Crop
	}
	if s.Fit == Contain {
		s.FocalX, s.FocalY = 0.5, 0.5 // not used: keep URLs canonical
	}
	return s
}

func side(v float64) int { return max(1, int(math.Round(v))) }

// Render makes the rendition spec of src.
func Render(src image.Image, spec Spec) image.Image {
	b := src.Bounds()
	if spec.Fit == Crop {
		src = imaging.Crop(src, cropRect(b, spec))
	}
	if src.Bounds().Dx() == spec.Width && src.Bounds().Dy() == spec.Height {
		return src
	}
	return imaging.Resize(src, spec.Width, spec.Height, imaging.CatmullRom)
}

// cropRect is the largest part of b with the spec's proportions, centred
// on the focal point as far as b allows.
func cropRect(b image.Rectangle, spec Spec) image.Rectangle {
	bw, bh := float64(b.Dx()), float64(b.Dy())
	ratio := float64(spec.Width) / float64(spec.Height)
	cw, ch := bw, bw/ratio
	if ch > bh {
		cw, ch = bh*ratio, bh
	}
	x := math.Max(0, math.Min(bw-cw, spec.FocalX*bw-cw/2))
	y := math.Max(0, math.Min(bh-ch, spec.FocalY*bh-ch/2))
	r := image.Rect(int(math.Round(x)), int(math.Round(y)), int(math.Round(x+cw)), int(math.Round(y+ch)))
	return r.Add(b.Min).Intersect(b)
}

// Placeholder is a tiny PNG of img (12 px on its longer side) as a data:
// URI of a few hundred bytes, for pages to show scaled up and blurred
// while the picture loads. PNG rather than JPEG: a JPEG's tables alone
// would take more than the pixels.
func Placeholder(img image.Image) string {
	const side = 12
	b := img.Bounds()
	w, h := side, max(1, int(math.Round(side*float64(b.Dy())/float64(b.Dx()))))
	if h > side {
		w, h = max(1, int(math.Round(side*float64(b.Dx())/float64(b.Dy())))), side
	}
	var buf bytes.Buffer
	small := flatten(imaging.Resize(img, w, h, imaging.Box))
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, small); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}
