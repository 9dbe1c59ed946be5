// Package picture checks, decodes, crops, scales and encodes pictures, in
// pure Go (CGO_ENABLED=0 builds; WebP goes through gen2brain/webp's
// WebAssembly build of libwebp). It decides what an upload is from its
// bytes alone and refuses, before decoding a pixel, anything that is not a
// raster picture it knows or that would take too much memory to decode.
package picture

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoder registration
	"image/jpeg"
	"image/png"
	"net/http"

	"github.com/disintegration/imaging"
	"github.com/gen2brain/webp" // registers the WebP decoder
)

// Problem codes: why an upload is refused.
const (
	CodeUnsupported   = "UNSUPPORTED_TYPE"
	CodeCorrupt       = "CORRUPT"
	CodeTooLarge      = "TOO_LARGE"
	CodeTooManyPixels = "TOO_MANY_PIXELS"
)

// Problem is an upload the library refuses, with its code.
type Problem struct {
	Code    string
	Message string
}

func (p *Problem) Error() string { return p.Message }

// accepted maps the types http.DetectContentType sniffs that the library
// takes to image.Decode's format names. SVG (sniffed as text/xml or
// text/plain), HTML and everything else are not in it: active content is
// never stored, so it can never be served from the site's origin.
var accepted = map[string]string{
	"image/jpeg": "jpeg",
	"image/png":  "png",
	"image/gif":  "gif",
	"image/webp": "webp",
}

// Info is what the header of an accepted upload says.
type Info struct {
	MimeType string
	// Width and Height are as stored, before EXIF orientation.
	Width, Height int
}

// Probe sniffs data's type from its bytes and reads its header, refusing
// unknown types and pictures of more than maxPixels pixels without
// decoding them (so a decompression bomb allocates nothing).
func Probe(data []byte, maxPixels int64) (Info, error) {
	mime := http.DetectContentType(data)
	format, ok := accepted[mime]
	if !ok {
		return Info{}, &Problem{CodeUnsupported, fmt.Sprintf("%s is not a picture type the library takes (JPEG, PNG, GIF, WebP)", mime)}
	}
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format || cfg.Width <= 0 || cfg.Height <= 0 {
		return Info{}, &Problem{CodeCorrupt, fmt.Sprintf("the file looks like %s but its header cannot be read", mime)}
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return Info{}, &Problem{CodeTooManyPixels, fmt.Sprintf("the picture is %d×%d (%.1f megapixels); the limit is %.1f megapixels",
			cfg.Width, cfg.Height, float64(px)/1e6, float64(maxPixels)/1e6)}
	}
	return Info{MimeType: mime, Width: cfg.Width, Height: cfg.Height}, nil
}

// Decode decodes a probed picture with its EXIF orientation applied. A
// truncated or damaged file is a CORRUPT problem.
func Decode(data []byte) (image.Image, error) {
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, &Problem{CodeCorrupt, "the picture is damaged and cannot be decoded: " + err.Error()}
	}
	return img, nil
}

// Format is an encoding of renditions.
type Format string

// The encodings.
const (
	JPEG Format = "jpg"
	PNG  Format = "png"
	WEBP Format = "webp"
)

// ContentType is the format's media type.
func (f Format) ContentType() string {
	switch f {
	case PNG:
		return "image/png"
	case WEBP:
		return "image/webp"
	}
	return "image/jpeg"
}

// ParseFormat reads a file extension.
func ParseFormat(ext string) (Format, bool) {
	switch Format(ext) {
	case JPEG, PNG, WEBP:
		return Format(ext), true
	}
	return "", false
}

// Encode encodes img. Everything served goes through here, from decoded
// pixels: no metadata of the original (EXIF location, camera serials)
// survives.
func Encode(img image.Image, f Format) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	switch f {
	case PNG:
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	case WEBP:
		err = webp.Encode(&buf, img, webp.Options{Quality: 78, Method: 4})
	case JPEG:
		err = jpeg.Encode(&buf, flatten(img), &jpeg.Options{Quality: 82})
	default:
		err = errors.New("unknown format " + string(f))
	}
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", f, err)
	}
	return buf.Bytes(), nil
}

// flatten puts a picture with transparency on white, as JPEG has none.
func flatten(img image.Image) image.Image {
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		return img
	}
	bg := imaging.New(img.Bounds().Dx(), img.Bounds().Dy(), image.White.C)
	return imaging.Overlay(bg, img, image.Point{}, 1)
}
