package loaders

import (
	"context"
	"slices"
	"strings"

	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// PrimePictures loads, right away and in one statement, the library
// pictures a lone article shows: its cover (with cover) and its body's
// (with body), and primes ImageByID with them, so that the fields showing
// them (coverImage, seo, jsonLd, bodyHtml, blocks) do not each wait out
// the loader's window for siblings an article page has not got.
func (l *Loaders) PrimePictures(ctx context.Context, a *models.Article, cover, body bool) error {
	var ids []uint64
	if cover && a.Cover.ImageID != 0 {
		ids = append(ids, uint64(a.Cover.ImageID))
	}
	if body && mayShowPictures(a.BodyBlocks) {
		blocks, err := l.svc.Blocks(a)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			for _, img := range b.Images {
				if img.ImageID != 0 && !slices.Contains(ids, img.ImageID) {
					ids = append(ids, img.ImageID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	imgs, err := l.svc.ImagesByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		l.ImageByID.Prime(id, imgs[i])
	}
	return nil
}

// mayShowPictures reports, without decoding them, whether stored blocks
// may hold a picture (a body saved before blocks were stored shows its
// stored HTML, and loads none).
func mayShowPictures(stored string) bool {
	for _, k := range []markdown.Kind{markdown.KindImage, markdown.KindGallery} {
		if strings.Contains(stored, `"kind":"`+string(k)+`"`) {
			return true
		}
	}
	return false
}
