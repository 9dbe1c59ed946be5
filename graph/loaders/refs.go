package loaders

import (
	"context"
	"slices"

	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// ArticleRefs says which of a lone article's references its fields will
// load: its library cover (coverImage, seo, jsonLd), its body's library
// pictures and its body's read-also targets (bodyHtml, blocks).
type ArticleRefs struct {
	Cover, BodyPictures, ReadAlso bool
}

// PrimeArticleRefs reads, right away, the references of a lone article
// that want asks for (its pictures in one statement, its read-also targets
// in another) and primes ImageByID and ArticleBySlug with them: the fields
// that show them then do not each wait out a loader's window for siblings
// an article page has not got. The statements are those the loaders would
// have run.
func (l *Loaders) PrimeArticleRefs(ctx context.Context, a *models.Article, want ArticleRefs) error {
	var imageIDs []uint64
	var slugs []string
	if want.Cover && a.Cover.ImageID != 0 {
		imageIDs = append(imageIDs, uint64(a.Cover.ImageID))
	}
	if (want.BodyPictures || want.ReadAlso) && markdown.StoredHasReferences(a.BodyBlocks) {
		blocks, err := l.svc.Blocks(a)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			if want.ReadAlso && b.Kind == markdown.KindReadAlso && b.Article != nil && !slices.Contains(slugs, b.Article.Slug) {
				slugs = append(slugs, b.Article.Slug)
			}
			for _, img := range b.Images {
				if want.BodyPictures && img.ImageID != 0 && !slices.Contains(imageIDs, img.ImageID) {
					imageIDs = append(imageIDs, img.ImageID)
				}
			}
		}
	}
	if len(imageIDs) > 0 {
		imgs, err := l.svc.ImagesByIDs(ctx, imageIDs)
		if err != nil {
			return err
		}
		for i, id := range imageIDs {
			l.ImageByID().Prime(id, imgs[i])
		}
	}
	if len(slugs) > 0 {
		found, err := l.svc.ArticlesBySlugs(ctx, slugs)
		if err != nil {
			return err
		}
		for i, slug := range slugs {
			l.ArticleBySlug().Prime(slug, found[i])
		}
	}
	return nil
}
