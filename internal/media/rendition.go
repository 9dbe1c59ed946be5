package media

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/broadsheet/broadsheet/internal/picture"
	"github.com/broadsheet/broadsheet/models"
)

// A rendition's URL is /media/{signature}/{image id}/{spec}.{format}, with
// spec = {width}x{height}-{fit}-{focal x}-{focal y}: everything that
// decides its bytes, so the URL can be cached forever (a new focal point
// is a new URL). The signature is an HMAC of the rest: nobody can ask for
// sizes the API did not hand out.

// Prefix is where renditions are served.
const Prefix = "/media/"

// Rendition is a rendition's bytes and what to serve them with.
type Rendition struct {
	Data        []byte
	ContentType string
	// ETag is the strong entity tag (quoted).
	ETag string
}

// Request errors of Rendition.
var (
	ErrBadSignature = errors.New("media: bad signature")
	ErrNotFound     = errors.New("media: no such rendition")
)

// URLOptions is what a client asks a picture for.
type URLOptions struct {
	Width, Height int
	Format        picture.Format // default: JPEG, or PNG for PNG and GIF originals
	Fit           picture.Fit    // default: Crop
}

// CoverWidth is the width of the rendition that stands for a library
// picture used as an article's cover (CoverImage.url, feeds, sitemaps,
// structured data).
const CoverWidth = 1600

// CoverURL is the signed URL of img's cover rendition.
func (s *Service) CoverURL(img *models.Image) string {
	return s.URL(img, URLOptions{Width: CoverWidth})
}

// Cover describes img's cover rendition for documents that state a
// picture's size and type (feeds' enclosures, Media RSS).
func (s *Service) Cover(img *models.Image) (url, contentType string, width, height int) {
	spec := picture.SnapPlan(img.Width, img.Height, CoverWidth, 0, picture.Crop, img.FocalX, img.FocalY)
	return s.CoverURL(img), defaultFormat(img).ContentType(), spec.Width, spec.Height
}

// Sized is a rendition's URL with its size in pixels.
type Sized struct {
	URL           string
	Width, Height int
}

// StructuredDataWidth is the width of the renditions StructuredData gives
// (a rung of picture.Ladder; Google asks for 1,200 px at least).
const StructuredDataWidth = 1280

// StructuredData returns img's renditions for an article's structured
// data: crops at the 16:9, 4:3 and 1:1 aspect ratios Google's Article
// guidelines ask for, 1,280 px wide (never larger than the picture),
// around its focal point, each with its size.
func (s *Service) StructuredData(img *models.Image) []Sized {
	out := make([]Sized, 0, 3)
	for _, r := range [][2]int{{16, 9}, {4, 3}, {1, 1}} {
		o := URLOptions{Width: StructuredDataWidth, Height: StructuredDataWidth * r[1] / r[0], Fit: picture.Crop}
		spec := picture.SnapPlan(img.Width, img.Height, o.Width, o.Height, o.Fit, img.FocalX, img.FocalY)
		out = append(out, Sized{URL: s.URL(img, o), Width: spec.Width, Height: spec.Height})
	}
	return out
}

// MaxURLLen bounds the length of any URL URL returns: the prefix, a
// signature and the longest id, size, focal point and format.
func (s *Service) MaxURLLen() int {
	return len(s.cfg.URLPrefix) + len(Prefix) + 22 + len("/18446744073709551615/99999x99999-contain-0.000-0.000.webp")
}

// URL returns the signed URL of a rendition of img: the size asked for
// snapped to picture.Ladder (and a crop's shape to picture.Ratios), so a
// picture has a bounded number of renditions whatever clients ask.
func (s *Service) URL(img *models.Image, o URLOptions) string {
	return s.url(img.ID, s.spec(img, o), s.format(img, o.Format))
}

func (s *Service) spec(img *models.Image, o URLOptions) picture.Spec {
	if o.Fit == "" {
		o.Fit = picture.Crop
	}
	return picture.SnapPlan(img.Width, img.Height, o.Width, o.Height, o.Fit, img.FocalX, img.FocalY)
}

func (s *Service) format(img *models.Image, f picture.Format) picture.Format {
	if f == "" {
		return defaultFormat(img)
	}
	return f
}

func (s *Service) url(id uint64, spec picture.Spec, f picture.Format) string {
	rest := fmt.Sprintf("%d/%s", id, fileName(spec, f))
	return s.cfg.URLPrefix + Prefix + s.sign(rest) + "/" + rest
}

// fileName is a rendition's {w}x{h}-{fit}-{fx}-{fy}.{ext}.
func fileName(spec picture.Spec, f picture.Format) string {
	return fmt.Sprintf("%dx%d-%s-%s-%s.%s", spec.Width, spec.Height, spec.Fit, frac(spec.FocalX), frac(spec.FocalY), f)
}

// MaxSrcsetWidths bounds srcset's list of widths.
const MaxSrcsetWidths = 20

// Srcset returns a srcset attribute value: a URL per width with its w
// descriptor, each width snapped up to picture.Ladder (widths past the
// picture's own replaced by it), so widths that snap alike appear once.
func (s *Service) Srcset(img *models.Image, widths []int, f picture.Format) (string, error) {
	if len(widths) == 0 || len(widths) > MaxSrcsetWidths {
		return "", fmt.Errorf("srcset needs 1 to %d widths", MaxSrcsetWidths)
	}
	var specs []picture.Spec
	for _, w := range widths {
		if w < 1 || w > picture.MaxSide {
			return "", fmt.Errorf("width %d is not between 1 and %d", w, picture.MaxSide)
		}
		specs = append(specs, s.spec(img, URLOptions{Width: w}))
	}
	slices.SortFunc(specs, func(a, b picture.Spec) int { return a.Width - b.Width })
	specs = slices.Compact(specs)
	f = s.format(img, f)
	parts := make([]string, len(specs))
	for i, sp := range specs {
		parts[i] = s.url(img.ID, sp, f) + " " + strconv.Itoa(sp.Width) + "w"
	}
	return strings.Join(parts, ", "), nil
}

func defaultFormat(img *models.Image) picture.Format {
	if img.MimeType == "image/png" || img.MimeType == "image/gif" {
		return picture.PNG
	}
	return picture.JPEG
}

func frac(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func (s *Service) sign(rest string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(rest))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// renditionPrefix is where an image's renditions are kept in the bucket.
func renditionPrefix(id uint64) string { return fmt.Sprintf("renditions/%d/", id) }

// Rendition returns the rendition a signed URL names: from the blob store
// when it was made before, else made now and stored. Concurrent requests
// for one rendition in this process make it once (singleflight); replicas
// sharing the store may each make it once, which is harmless (the bytes
// are the same and the last write wins).
func (s *Service) Rendition(ctx context.Context, sig string, id uint64, file string) (*Rendition, error) {
	rest := strconv.FormatUint(id, 10) + "/" + file
	if !hmac.Equal([]byte(sig), []byte(s.sign(rest))) {
		return nil, ErrBadSignature
	}
	spec, format, ok := parseFile(file)
	if !ok {
		return nil, ErrNotFound
	}
	key := renditionPrefix(id) + file
	out := &Rendition{ContentType: format.ContentType(), ETag: `"` + sig + `"`}
	data, err := s.bucket.ReadAll(ctx, key)
	if err == nil {
		out.Data = data
		return out, nil
	}
	if gcerrors.Code(err) != gcerrors.NotFound {
		return nil, fmt.Errorf("read rendition %s: %w", key, err)
	}
	v, err, _ := s.flight.Do(key, func() (any, error) {
		// Detached from the first caller: the others wait for the same work.
		ctx := context.WithoutCancel(ctx)
		return s.render(ctx, id, key, spec, format)
	})
	if err != nil {
		return nil, err
	}
	out.Data = v.([]byte)
	return out, nil
}

// render makes a rendition and stores it.
func (s *Service) render(ctx context.Context, id uint64, key string, spec picture.Spec, f picture.Format) ([]byte, error) {
	// Made meanwhile by a flight that just ended, or another replica.
	if data, err := s.bucket.ReadAll(ctx, key); err == nil {
		return data, nil
	}
	img, err := s.st.ImageByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, ErrNotFound
	}
	if to, ok := s.offLadder(img, spec); ok {
		return nil, &MovedError{URL: s.url(id, to, f)}
	}
	// At most MaxConcurrentRenders at once; the others queue here.
	s.waiting.Add(1)
	s.slots <- struct{}{}
	s.waiting.Add(-1)
	defer func() { <-s.slots }()
	orig, err := s.bucket.ReadAll(ctx, img.Key)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("read original %s: %w", img.Key, err)
	}
	pix, err := picture.Decode(orig)
	if err != nil {
		return nil, fmt.Errorf("decode original %s: %w", img.Key, err)
	}
	data, err := picture.Encode(picture.Render(pix, spec), f)
	if err != nil {
		return nil, err
	}
	s.renders.Add(1)
	if s.cfg.OnRender != nil {
		s.cfg.OnRender()
	}
	if err := s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: f.ContentType(), CacheControl: CacheControl}); err != nil {
		return nil, fmt.Errorf("store rendition %s: %w", key, err)
	}
	return data, nil
}

// MovedError answers a URL signed before renditions were snapped to
// picture.Ladder whose rendition was never made: nothing is rendered for
// it, the client is sent to the rendition the API now gives for the same
// request (URL, signed). One already made is still served.
type MovedError struct{ URL string }

func (e *MovedError) Error() string { return "media: rendition moved to " + e.URL }

// offLadder reports whether spec is not a rendition the API hands out for
// img now, and if so the one it hands out for the same request (same
// size asked, fit and focal point). A target that would itself move is
// not given (no redirect loops): spec is then made as asked.
func (s *Service) offLadder(img *models.Image, spec picture.Spec) (picture.Spec, bool) {
	if picture.Canonical(img.Width, img.Height, spec) {
		return spec, false
	}
	to := picture.SnapPlan(img.Width, img.Height, spec.Width, spec.Height, spec.Fit, spec.FocalX, spec.FocalY)
	return to, picture.Canonical(img.Width, img.Height, to)
}

// CacheControl is how renditions are cached: their URL names their bytes.
const CacheControl = "public, max-age=31536000, immutable"

// parseFile reads {w}x{h}-{fit}-{fx}-{fy}.{ext}.
func parseFile(file string) (picture.Spec, picture.Format, bool) {
	dot := strings.LastIndexByte(file, '.')
	if dot < 0 {
		return picture.Spec{}, "", false
	}
	name, ext := file[:dot], file[dot+1:]
	format, okF := picture.ParseFormat(ext)
	parts := strings.Split(name, "-")
	if !okF || len(parts) != 4 {
		return picture.Spec{}, "", false
	}
	ws, hs, ok := strings.Cut(parts[0], "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	fx, errX := strconv.ParseFloat(parts[2], 64)
	fy, errY := strconv.ParseFloat(parts[3], 64)
	fit := picture.Fit(parts[1])
	if !ok || errors.Join(errW, errH, errX, errY) != nil || w < 1 || h < 1 || w > picture.MaxSide || h > picture.MaxSide ||
		(fit != picture.Crop && fit != picture.Contain) {
		return picture.Spec{}, "", false
	}
	return picture.Spec{Width: w, Height: h, Fit: fit, FocalX: fx, FocalY: fy}, format, true
}
