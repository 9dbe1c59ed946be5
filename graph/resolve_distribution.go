package graph

import (
	"context"
	"time"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/cachekey"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/models"
)

// Route is the resolver for the route field.
func (r *queryResolver) Route(ctx context.Context, path string) (model.Route, error) {
	// The answer depends on every object a path can name and on the
	// editors' redirects: any of them may take the path.
	if k := httpcache.KeysFrom(ctx); k != nil {
		k.Add(cachekey.Redirects, cachekey.Articles, cachekey.Categories, cachekey.Tags, cachekey.Authors)
	}
	obj, err := r.Content.Route(ctx, path)
	if err != nil || obj == nil {
		return nil, err
	}
	switch v := obj.(type) {
	case *models.Article:
		return v, primeArticle(ctx, v)
	case model.Route:
		return v, nil
	}
	return nil, nil
}

// Redirects is the resolver for the redirects field.
func (r *queryResolver) Redirects(ctx context.Context, first *int, after *string) (*model.Connection[*models.Redirect], error) {
	list, err := r.Content.Redirects(ctx, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.RedirectConnection{List: list}, nil
}

// CreateRedirect is the resolver for the createRedirect field.
func (r *mutationResolver) CreateRedirect(ctx context.Context, from string, to string, statusCode *int) (*model.RedirectPayload, error) {
	return redirectPayload(r.Content.CreateRedirect(ctx, from, to, statusCode))
}

// DeleteRedirect is the resolver for the deleteRedirect field.
func (r *mutationResolver) DeleteRedirect(ctx context.Context, id string) (*model.RedirectPayload, error) {
	rid, err := idArg(globalid.TypeRedirect, "id", id)
	if err != nil {
		return redirectPayload(nil, err)
	}
	return redirectPayload(r.Content.DeleteRedirect(ctx, rid))
}

// AddCorrection is the resolver for the addCorrection field.
func (r *mutationResolver) AddCorrection(ctx context.Context, id string, text string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.AddCorrection(ctx, articleID, text))
}

func redirectPayload(rd *models.Redirect, err error) (*model.RedirectPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		rd = nil
	}
	return &model.RedirectPayload{Redirect: rd, UserErrors: ue}, nil
}

// Seo is the resolver for the seo field.
func (r *articleResolver) Seo(ctx context.Context, obj *models.Article) (*models.SEO, error) {
	obj, err := r.withCoverURL(ctx, obj)
	if err != nil {
		return nil, err
	}
	return r.Content.SEO(obj), nil
}

// Corrections is the resolver for the corrections field.
func (r *articleResolver) Corrections(ctx context.Context, obj *models.Article) ([]*models.Correction, error) {
	return loaders.From(ctx).CorrectionsByArticle().Load(ctx, obj.ID)
}

// JSONLd is the resolver for the jsonLd field.
func (r *articleResolver) JSONLd(ctx context.Context, obj *models.Article) (string, error) {
	var parts content.ArticleParts
	rel, err := relationsOf(ctx, obj, models.AllRelations)
	if err != nil {
		return "", err
	}
	parts.Authors, parts.Section, parts.Tags = rel.Authors, rel.Category, rel.Tags
	if parts.Corrections, err = r.Corrections(ctx, obj); err != nil {
		return "", err
	}
	if parts.Translations, err = r.translationsWithSections(ctx, obj); err != nil {
		return "", err
	}
	if obj, err = r.withCoverURL(ctx, obj); err != nil {
		return "", err
	}
	if parts.CoverSizes, err = r.coverSizes(ctx, obj); err != nil {
		return "", err
	}
	if parts.LiveBlog, err = loaders.From(ctx).LiveBlogByArticle().Load(ctx, obj.ID); err != nil {
		return "", err
	}
	if parts.LiveBlog != nil {
		// A LiveBlogPosting lists the newest entries: the answer changes
		// with every post, and is purged by the blog's key.
		httpcache.AddLiveBlog(ctx, obj.ID)
		if parts.LiveEntries, err = r.Content.NewestLiveEntries(ctx, obj.ID, content.MaxLiveUpdatesLD); err != nil {
			return "", err
		}
		for _, e := range parts.LiveEntries {
			for _, au := range e.Byline() {
				httpcache.AddKeys(ctx, cachekey.Author(au.ID))
			}
		}
	}
	return r.Content.JSONLD(obj, parts)
}

// CreatedAt is the resolver for the createdAt field.
func (r *redirectResolver) CreatedAt(ctx context.Context, obj *models.Redirect) (*time.Time, error) {
	if obj.ID == 0 {
		return nil, nil
	}
	return &obj.CreatedAt, nil
}

// Redirect returns RedirectResolver implementation.
func (r *Resolver) Redirect() RedirectResolver { return &redirectResolver{r} }

type redirectResolver struct{ *Resolver }

// seoChanges carries the SEO input to the service.
func seoChanges(in *model.SeoInput) *content.SEOChanges {
	if in == nil {
		return nil
	}
	return &content.SEOChanges{Title: in.Title, Description: in.Description, Image: in.Image, Noindex: in.Noindex}
}
