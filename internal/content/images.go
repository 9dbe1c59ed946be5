package content

import (
	"context"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/models"
)

// ImagesByIDs returns the media-library images with these ids, one per id
// in order, nil where none exists. Images are not reader-restricted: a
// picture is public once an article shows it, and its URL is signed.
func (s *Service) ImagesByIDs(ctx context.Context, ids []uint64) ([]*models.Image, error) {
	rows, err := s.store.ImagesByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*models.Image, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]*models.Image, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// checkCoverImage reports a cover that names a library image that does not
// exist.
func checkCoverImage(ctx context.Context, tx TxStorage, c models.CoverImage) apperr.FieldErrors {
	if c.ImageID == 0 {
		return nil
	}
	img, err := tx.ImageByID(ctx, uint64(c.ImageID))
	if err != nil {
		return apperr.FieldErrors{{Kind: apperr.Internal, Message: "check cover image", Err: err}}
	}
	if img == nil {
		return apperr.FieldErrors{{Kind: apperr.Invalid, Code: "NOT_FOUND", Field: "coverImageId",
			Message: fmt.Sprintf("no image with id %q", globalid.ID(globalid.TypeImage, uint64(c.ImageID)))}}
	}
	return nil
}
