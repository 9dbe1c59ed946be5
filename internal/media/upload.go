package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"unicode/utf8"

	"gocloud.dev/blob"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/picture"
	"github.com/broadsheet/broadsheet/models"
)

// File is an uploaded file.
type File struct {
	// Filename is what the uploader's computer called it (kept for
	// searching the library; the type is never taken from it).
	Filename string
	Content  io.Reader
}

// Upload checks, stores and describes a new picture. Files over the size
// limit, of a type the library does not take, damaged, or with too many
// pixels are refused with their code on the field "file", before anything
// is stored.
func (s *Service) Upload(ctx context.Context, f File, in Input) (*models.Image, error) {
	data, err := io.ReadAll(io.LimitReader(f.Content, s.cfg.MaxUploadBytes+1))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fileProblem(picture.CodeTooLarge, s.tooLarge())
		}
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return nil, fileProblem(picture.CodeTooLarge, s.tooLarge())
	}
	if len(data) == 0 {
		return nil, fileProblem(picture.CodeCorrupt, "the file is empty")
	}
	info, err := picture.Probe(data, s.cfg.MaxPixels)
	if err != nil {
		return nil, asFileProblem(err)
	}
	pix, err := picture.Decode(data)
	if err != nil {
		return nil, asFileProblem(err)
	}
	sum := sha256.Sum256(data)
	img := &models.Image{
		MimeType: info.MimeType, Bytes: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Width: pix.Bounds().Dx(), Height: pix.Bounds().Dy(), FocalX: 0.5, FocalY: 0.5,
		Filename: cleanFilename(f.Filename), Placeholder: picture.Placeholder(pix),
	}
	if err := in.apply(img); err != nil {
		return nil, err
	}
	img.Key = "originals/" + img.SHA256[:16] + "-" + randomHex(6)
	// The original is kept as uploaded (the photo desk's archive); it is
	// never served: every URL is a rendition re-encoded from its pixels.
	if err := s.bucket.WriteAll(ctx, img.Key, data, &blob.WriterOptions{ContentType: info.MimeType}); err != nil {
		return nil, fmt.Errorf("store original %s: %w", img.Key, err)
	}
	if err := s.st.SaveImage(ctx, img); err != nil {
		_ = s.bucket.Delete(context.WithoutCancel(ctx), img.Key)
		return nil, err
	}
	return img, nil
}

func (s *Service) tooLarge() string {
	if n := s.cfg.MaxUploadBytes; n >= 1<<20 {
		return fmt.Sprintf("the file is larger than the upload limit of %.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("the file is larger than the upload limit of %d KiB", s.cfg.MaxUploadBytes>>10)
}

// deleteBlobs removes an image's original and renditions. Failures leave
// orphans, which are harmless: nothing can sign a URL for them any more.
func (s *Service) deleteBlobs(ctx context.Context, img *models.Image) {
	ctx = context.WithoutCancel(ctx)
	_ = s.bucket.Delete(ctx, img.Key)
	it := s.bucket.List(&blob.ListOptions{Prefix: renditionPrefix(img.ID)})
	for {
		obj, err := it.Next(ctx)
		if err != nil {
			return
		}
		_ = s.bucket.Delete(ctx, obj.Key)
	}
}

func fileProblem(code, msg string) error {
	return &apperr.Error{Kind: apperr.Invalid, Code: code, Field: "file", Message: msg}
}

func asFileProblem(err error) error {
	var p *picture.Problem
	if errors.As(err, &p) {
		return fileProblem(p.Code, p.Message)
	}
	return err
}

// cleanFilename keeps the base name of what the client sent, printable
// and at most 255 bytes.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	for len(name) > 255 || !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name[:min(len(name), 255)], "")
	}
	return name
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
