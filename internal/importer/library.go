package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store"
)

// Library uploads pictures to the media library, once each: a picture
// whose bytes are there already (an earlier run, another article) is
// reused, so a second import changes no cover.
type Library struct {
	Media *media.Service // nil in a dry run
	Store *store.Store
	// DryRun finds pictures already in the library and uploads none
	// (ErrWouldUpload for the others).
	DryRun bool
}

// ErrWouldUpload is a dry run's answer for a picture not in the library.
var ErrWouldUpload = errors.New("would be uploaded")

// Upload implements Uploader.
func (l *Library) Upload(ctx context.Context, name string, r io.Reader, alt, caption string) (uint64, error) {
	limit := int64(maxPicture)
	if l.Media != nil {
		limit = l.Media.MaxUploadBytes()
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	if img, err := l.Store.ImageBySHA256(ctx, hex.EncodeToString(sum[:])); err != nil {
		return 0, err
	} else if img != nil {
		return img.ID, nil
	}
	if l.DryRun || l.Media == nil {
		return 0, ErrWouldUpload
	}
	alt, caption = clip(alt, media.MaxAltRunes), clip(caption, media.MaxCaptionRunes)
	img, err := l.Media.Upload(ctx, media.File{Filename: name, Content: bytes.NewReader(data)}, media.Input{Alt: &alt, Caption: &caption})
	if err != nil {
		return 0, err
	}
	return img.ID, nil
}
