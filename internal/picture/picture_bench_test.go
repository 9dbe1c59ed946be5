package picture_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/draw"

	"github.com/broadsheet/broadsheet/internal/picture"
)

// photo is a 3000×2000 JPEG with a photograph's mix of smooth areas and
// noise (JPEG and WebP cost more on noise than on flat colour).
func photo(tb testing.TB) []byte {
	tb.Helper()
	const w, h = 3000, 2000
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(24))
			img.SetRGBA(x, y, color.RGBA{uint8(x*200/w) + n, uint8(y*200/h) + n, uint8((x+y)*100/(w+h)) + n, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRendition is a first request for a rendition: decode a
// 3000×2000 JPEG, scale it to 800 px wide, encode (what /media does on a
// miss, the blob store aside).
func BenchmarkRendition(b *testing.B) {
	data := photo(b)
	for _, f := range []picture.Format{picture.WEBP, picture.JPEG} {
		b.Run("800px-"+string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				src, err := picture.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				spec := picture.Plan(3000, 2000, 800, 0, picture.Crop, 0.5, 0.5)
				if _, err := picture.Encode(picture.Render(src, spec), f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScale compares the scalers on the decoded picture alone: what
// picture.Render uses (imaging, Catmull-Rom, parallel over rows) against
// golang.org/x/image/draw's (one goroutine).
func BenchmarkScale(b *testing.B) {
	src, err := picture.Decode(photo(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("imaging-CatmullRom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			imaging.Resize(src, 800, 533, imaging.CatmullRom)
		}
	})
	b.Run("imaging-Lanczos", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			imaging.Resize(src, 800, 533, imaging.Lanczos)
		}
	})
	b.Run("x-image-draw-CatmullRom", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := image.NewRGBA(image.Rect(0, 0, 800, 533))
			draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		}
	})
	b.Run("x-image-draw-ApproxBiLinear", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dst := image.NewRGBA(image.Rect(0, 0, 800, 533))
			draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		}
	})
}

// BenchmarkDecode is the decode alone, the largest part of a first request.
func BenchmarkDecode(b *testing.B) {
	data := photo(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := picture.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
