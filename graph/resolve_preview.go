package graph

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

// Preview and review: staged changes, preview links (see
// internal/content/staging.go and preview.go).

// HasPendingChanges is the resolver for the hasPendingChanges field.
func (r *articleResolver) HasPendingChanges(ctx context.Context, obj *models.Article) (bool, error) {
	p, err := loaders.From(ctx).PendingByArticle().Load(ctx, obj.ID)
	return p != nil, err
}

// PendingChanges is the resolver for the pendingChanges field.
func (r *articleResolver) PendingChanges(ctx context.Context, obj *models.Article) (*content.Pending, error) {
	p, err := loaders.From(ctx).PendingByArticle().Load(ctx, obj.ID)
	if err != nil || p == nil {
		return nil, err
	}
	return r.Content.PendingOf(ctx, obj, p)
}

// PublishChanges is the resolver for the publishChanges field.
func (r *mutationResolver) PublishChanges(ctx context.Context, id string, expectedVersion *int, at *time.Time) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.PublishChanges(ctx, articleID, expectedVersion, at))
}

// DiscardChanges is the resolver for the discardChanges field.
func (r *mutationResolver) DiscardChanges(ctx context.Context, id string, expectedVersion *int) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.DiscardChanges(ctx, articleID, expectedVersion))
}

// CreatePreviewLink is the resolver for the createPreviewLink field
// (contributors only for their own articles: content.CreatePreviewLink).
func (r *mutationResolver) CreatePreviewLink(ctx context.Context, id string, expiresIn *int) (*model.PreviewLinkPayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	var link *content.PreviewLink
	if err == nil {
		link, err = r.Content.CreatePreviewLink(ctx, articleID, expiresIn)
	}
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	out := &model.PreviewLinkPayload{UserErrors: ue}
	if link != nil {
		out.Token, out.ExpiresAt = &link.Token, &link.ExpiresAt
		if link.URL != "" {
			out.URL = &link.URL
		}
	}
	return out, nil
}

// RevokePreviewLinks is the resolver for the revokePreviewLinks field.
func (r *mutationResolver) RevokePreviewLinks(ctx context.Context, id string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.RevokePreviewLinks(ctx, articleID))
}

// ArticlePreview is the resolver for the articlePreview field. Its answer,
// valid or not, is never cached or shared.
func (r *queryResolver) ArticlePreview(ctx context.Context, token string, id *string) (*models.Article, error) {
	httpcache.MarkPrivate(ctx)
	a, err := r.Content.ArticlePreview(ctx, token)
	if err != nil {
		return nil, err
	}
	if id != nil {
		if want, perr := globalid.ParseAs(globalid.TypeArticle, *id); perr != nil || want != a.ID {
			return nil, content.ErrPreviewInvalid()
		}
	}
	return a, nil
}
