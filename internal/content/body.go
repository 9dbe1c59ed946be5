package content

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/models"
)

// The user error codes of a body that names what does not exist.
const (
	CodeUnknownMedia   = "UNKNOWN_MEDIA"
	CodeUnknownArticle = "UNKNOWN_ARTICLE"
)

// WithRenderer renders bodies with md (its embed providers) instead of the
// default renderer, which enables every provider.
func WithRenderer(md *markdown.Renderer) Option { return func(s *Service) { s.md = md } }

// renderedBody is a body rendered while it was checked, kept so that
// saving it does not parse it again.
type renderedBody struct {
	body string
	r    markdown.Rendered
}

// checkBody renders snap's body and reports, each naming its line, the
// mistakes in it and the media ids and article slugs it names that do not
// exist (a draft exists: who may see the link is decided when it is read).
func (s *Service) checkBody(ctx context.Context, tx TxStorage, snap *Snapshot) apperr.FieldErrors {
	r, err := s.md.Render(snap.Body)
	if err != nil {
		return apperr.FieldErrors{{Kind: apperr.Internal, Message: "render body", Err: err}}
	}
	snap.rendered = &renderedBody{body: snap.Body, r: r}
	type lineError struct {
		line int
		err  *apperr.Error
	}
	var found []lineError
	bad := func(code string, line int, format string, args ...any) {
		found = append(found, lineError{line, &apperr.Error{Kind: apperr.Invalid, Code: code, Field: "body",
			Message: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)}})
	}
	for _, p := range r.Problems {
		bad("", p.Line, "%s", p.Message)
	}
	if len(r.ArticleRefs) > 0 {
		exist, err := tx.SlugsExist(ctx, refValues(r.ArticleRefs))
		if err != nil {
			return apperr.FieldErrors{{Kind: apperr.Internal, Message: "check linked articles", Err: err}}
		}
		for _, ref := range r.ArticleRefs {
			if !exist[ref.Value] {
				bad(CodeUnknownArticle, ref.Line, "no article with slug %q", apperr.Clip(ref.Value, 80))
			}
		}
	}
	if len(r.MediaRefs) > 0 {
		var ids []uint64
		for _, ref := range r.MediaRefs {
			if id, ok := ImageID(ref.Value); ok {
				ids = append(ids, id)
			}
		}
		found, err := tx.ImagesByIDs(ctx, ids)
		if err != nil {
			return apperr.FieldErrors{{Kind: apperr.Internal, Message: "check media", Err: err}}
		}
		exist := map[uint64]bool{}
		for _, img := range found {
			exist[img.ID] = true
		}
		for _, ref := range r.MediaRefs {
			if id, ok := ImageID(ref.Value); !ok || !exist[id] {
				bad(CodeUnknownMedia, ref.Line, "no image with id %q in the media library", apperr.Clip(ref.Value, 80))
			}
		}
	}
	// From the top of the body down, whatever their kind: how an editor
	// fixes them.
	slices.SortStableFunc(found, func(a, b lineError) int { return cmp.Compare(a.line, b.line) })
	var errs apperr.FieldErrors
	for _, f := range found {
		errs = append(errs, f.err)
	}
	return errs
}

// ImageID reads the id of a library image as a body names it (media:ID):
// the image's global id (Image.id), or its row number.
func ImageID(v string) (uint64, bool) {
	if id, err := strconv.ParseUint(v, 10, 64); err == nil {
		return id, id > 0
	}
	id, err := globalid.ParseAs(globalid.TypeImage, v)
	return id, err == nil
}

// resolveImages sets the row id of every library image in blocks and
// returns the distinct ids, in order.
func resolveImages(blocks []markdown.Block) []uint64 {
	var ids []uint64
	for i := range blocks {
		for j := range blocks[i].Images {
			img := &blocks[i].Images[j]
			if id, ok := ImageID(img.MediaID); ok {
				img.ImageID = id
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// refValues returns the distinct values of refs.
func refValues(refs []markdown.Ref) []string {
	var out []string
	for _, r := range refs {
		if !slices.Contains(out, r.Value) {
			out = append(out, r.Value)
		}
	}
	return out
}

// Blocks returns a's body as blocks: those stored when it was saved, or,
// for an article saved before blocks were stored, parsed now.
func (s *Service) Blocks(a *models.Article) ([]markdown.Block, error) {
	if a.BodyBlocks != "" {
		blocks, err := markdown.DecodeBlocks(a.BodyBlocks)
		if err != nil {
			return nil, fmt.Errorf("article %d: %w", a.ID, err)
		}
		return blocks, nil
	}
	blocks := s.md.Blocks(a.Body)
	resolveImages(blocks)
	return blocks, nil
}

// ArticlesBySlugs returns the articles with slugs the viewer may see, in
// the order of slugs (nil where one is missing or hidden); for loaders of
// read-also links. A link names a slug alone, as the address it becomes
// (/articles/SLUG) does: where several locales have the slug, it is the
// default locale's article, else the oldest, as route reads that address.
func (s *Service) ArticlesBySlugs(ctx context.Context, slugs []string) ([]*models.Article, error) {
	bySlug, err := s.store.ArticlesBySlugs(ctx, s.visibility(ctx), slugs, s.locales.Default())
	if err != nil {
		return nil, err
	}
	out := make([]*models.Article, len(slugs))
	for i, sl := range slugs {
		out[i] = bySlug[sl]
	}
	return out, nil
}
