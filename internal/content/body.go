package content

import (
	"context"
	"fmt"
	"slices"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/store"
	"github.com/broadsheet/broadsheet/models"
)

// The user error codes of a body that names what does not exist.
const (
	CodeUnknownMedia   = "UNKNOWN_MEDIA"
	CodeUnknownArticle = "UNKNOWN_ARTICLE"
)

// MediaLibrary is what the content service needs of the media library:
// which of the image ids a body names exist. The media service implements
// it; without one (WithMediaLibrary not given) every media: id is unknown.
type MediaLibrary interface {
	ImagesExist(ctx context.Context, ids []string) (map[string]bool, error)
}

// WithMediaLibrary checks bodies' media: ids against lib.
func WithMediaLibrary(lib MediaLibrary) Option { return func(s *Service) { s.media = lib } }

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
func (s *Service) checkBody(ctx context.Context, tx *store.Store, snap *Snapshot) apperr.FieldErrors {
	r, err := s.md.Render(snap.Body)
	if err != nil {
		return apperr.FieldErrors{{Kind: apperr.Internal, Message: "render body", Err: err}}
	}
	snap.rendered = &renderedBody{body: snap.Body, r: r}
	var errs apperr.FieldErrors
	bad := func(code string, line int, format string, args ...any) {
		errs = append(errs, &apperr.Error{Kind: apperr.Invalid, Code: code, Field: "body",
			Message: fmt.Sprintf("line %d: ", line) + fmt.Sprintf(format, args...)})
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
		exist := map[string]bool{}
		if s.media != nil {
			if exist, err = s.media.ImagesExist(ctx, refValues(r.MediaRefs)); err != nil {
				return apperr.FieldErrors{{Kind: apperr.Internal, Message: "check media", Err: err}}
			}
		}
		for _, ref := range r.MediaRefs {
			if !exist[ref.Value] {
				bad(CodeUnknownMedia, ref.Line, "no image with id %q in the media library", apperr.Clip(ref.Value, 80))
			}
		}
	}
	return errs
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
	return s.md.Blocks(a.Body), nil
}

// ArticlesBySlugs returns the articles with slugs the viewer may see, in
// the order of slugs (nil where one is missing or hidden); for loaders of
// read-also links.
func (s *Service) ArticlesBySlugs(ctx context.Context, slugs []string) ([]*models.Article, error) {
	bySlug, err := s.store.ArticlesBySlugs(ctx, s.visibility(ctx), slugs)
	if err != nil {
		return nil, err
	}
	out := make([]*models.Article, len(slugs))
	for i, sl := range slugs {
		out[i] = bySlug[sl]
	}
	return out, nil
}
