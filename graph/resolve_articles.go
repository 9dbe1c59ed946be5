package graph

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/models"
)

// Revisions is the resolver for the revisions field.
func (r *articleResolver) Revisions(ctx context.Context, obj *models.Article, first *int) ([]*content.Revision, error) {
	return r.Content.Revisions(ctx, obj.ID, deref(first))
}

// Related is the resolver for the related field.
func (r *articleResolver) Related(ctx context.Context, obj *models.Article, first *int) ([]*models.Article, error) {
	n, err := related.Limit(first)
	if err != nil {
		return nil, err
	}
	key := loaders.RelatedKey{ID: obj.ID, N: n, Bodies: true}
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		key.Bodies = asksBodies(graphql.GetOperationContext(ctx), fc.Field.Selections)
	}
	return loaders.From(ctx).RelatedByArticle().Load(ctx, key)
}

// RelatedCandidates is the resolver for the relatedCandidates field.
func (r *articleResolver) RelatedCandidates(ctx context.Context, obj *models.Article, first *int) ([]*model.RelatedCandidate, error) {
	cs, err := r.Content.RelatedCandidates(ctx, obj.ID, first)
	if err != nil {
		return nil, err
	}
	return model.NewRelatedCandidates(cs), nil
}

// CreateArticle is the resolver for the createArticle field.
func (r *mutationResolver) CreateArticle(ctx context.Context, input model.CreateArticleInput) (*model.ArticlePayload, error) {
	authorIDs, badIDs := idList(globalid.TypeAuthor, "authors", input.Authors)
	in := content.ArticleInput{
		Title: input.Title, Slug: deref(input.Slug), Subtitle: deref(input.Subtitle), Body: deref(input.Body),
		Category: deref(input.Category), Tags: input.Tags, AuthorIDs: authorIDs, CanonicalURL: deref(input.CanonicalURL),
		Status: deref(input.Status), EmbargoUntil: input.EmbargoUntil, IDErrors: badIDs, Locale: input.Locale,
	}
	if input.TranslationOf != nil {
		id, err := idArg(globalid.TypeArticle, "translationOf", *input.TranslationOf)
		if err != nil {
			return articlePayload(nil, err)
		}
		in.TranslationOf = id
	}
	c, badCover := cover(input.CoverImage, input.CoverImageID)
	if c != nil {
		in.Cover = *c
	}
	in.IDErrors = append(in.IDErrors, badCover...)
	if sc := seoChanges(input.Seo); sc != nil {
		in.SEO = models.ArticleSEO{Title: deref(sc.Title), Description: deref(sc.Description), Image: deref(sc.Image), Noindex: deref(sc.Noindex)}
	}
	return articlePayload(r.Content.CreateArticle(ctx, in))
}

// UpdateArticle is the resolver for the updateArticle field.
func (r *mutationResolver) UpdateArticle(ctx context.Context, id string, input model.UpdateArticleInput, expectedVersion *int, stage *bool) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	ch := content.ArticleChanges{
		Title: input.Title, Slug: input.Slug, Subtitle: input.Subtitle, Body: input.Body,
		Category: input.Category, CanonicalURL: input.CanonicalURL,
		SEO: seoChanges(input.Seo),
	}
	ch.Cover, ch.IDErrors = cover(input.CoverImage, input.CoverImageID)
	if input.Tags != nil {
		ch.Tags = &input.Tags
	}
	if input.Authors != nil {
		ids, bad := idList(globalid.TypeAuthor, "authors", input.Authors)
		ch.AuthorIDs, ch.IDErrors = &ids, append(ch.IDErrors, bad...)
	}
	if input.EmbargoUntil.IsSet() {
		ch.SetEmbargo, ch.EmbargoUntil = true, input.EmbargoUntil.Value()
	}
	if deref(stage) {
		return articlePayload(r.Content.StageArticle(ctx, articleID, ch, expectedVersion))
	}
	return articlePayload(r.Content.UpdateArticle(ctx, articleID, ch, expectedVersion))
}

// PublishArticle is the resolver for the publishArticle field.
func (r *mutationResolver) PublishArticle(ctx context.Context, id string, at *time.Time) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.PublishArticle(ctx, articleID, at))
}

// UnpublishArticle is the resolver for the unpublishArticle field.
func (r *mutationResolver) UnpublishArticle(ctx context.Context, id string, at *time.Time) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.UnpublishArticle(ctx, articleID, at))
}

// DeleteArticle is the resolver for the deleteArticle field.
func (r *mutationResolver) DeleteArticle(ctx context.Context, id string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.DeleteArticle(ctx, articleID))
}

// RestoreArticle is the resolver for the restoreArticle field.
func (r *mutationResolver) RestoreArticle(ctx context.Context, id string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.RestoreArticle(ctx, articleID))
}

// SetRelatedArticles is the resolver for the setRelatedArticles field.
func (r *mutationResolver) SetRelatedArticles(ctx context.Context, id string, relatedIds []string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	picks, bad := idList(globalid.TypeArticle, "relatedIds", relatedIds)
	if err := r.Content.SetRelatedArticles(ctx, articleID, picks, bad); err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.ArticleByID(ctx, articleID))
}

// RestoreRevision is the resolver for the restoreRevision field.
func (r *mutationResolver) RestoreRevision(ctx context.Context, articleID string, revisionID string) (*model.ArticlePayload, error) {
	aid, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return articlePayload(nil, err)
	}
	rid, err := plainID("revisionId", revisionID)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.RestoreRevision(ctx, aid, rid))
}

// Article is the resolver for the article field.
func (r *queryResolver) Article(ctx context.Context, id *string, slug *string, locale *string) (*models.Article, error) {
	articleID, err := optionalID(globalid.TypeArticle, id)
	if err != nil {
		return nil, err
	}
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	lookup := ctx
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		op := graphql.GetOperationContext(ctx)
		switch {
		case !asksBodies(op, fc.Field.Selections):
			// A page showing the article's related list, not the article:
			// its body is not read.
			lookup = content.Teasers(ctx)
		case !asksSource(op, fc.Field.Selections):
			// An article page showing the body's HTML: its Markdown
			// source is not read.
			lookup = content.WithoutMarkdown(ctx)
		}
	}
	a, err := r.Content.LookupArticleIn(lookup, articleID, deref(slug), loc)
	if err != nil {
		return nil, err
	}
	return a, primeArticle(ctx, a)
}

// Articles is the resolver for the articles field.
func (r *queryResolver) Articles(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ArticleFilter, orderBy *model.ArticleOrder) (*model.Connection[*models.Article], error) {
	q, err := r.articleQuery(filter, orderBy, nil)
	if err != nil {
		return nil, err
	}
	return r.articleConnection(ctx, q, page.Args{First: first, After: after, Last: last, Before: before})
}

// Search is the resolver for the search field.
func (r *queryResolver) Search(ctx context.Context, query string, first *int, after *string, filter *model.ArticleFilter, locale *string) (*model.SearchConnection, error) {
	q, err := r.articleQuery(filter, nil, locale)
	if err != nil {
		return nil, err
	}
	q.Teasers = !wantsBodies(ctx, "SearchConnection", "SearchEdge")
	list, err := r.Content.Search(ctx, query, q, first, after)
	if err != nil {
		return nil, err
	}
	if err := primeWith(ctx, list.Articles(), connectionRelations(ctx, "SearchConnection", "SearchEdge")); err != nil {
		return nil, err
	}
	return &model.SearchConnection{List: list}, nil
}

// ID is the resolver for the id field.
func (r *revisionResolver) ID(ctx context.Context, obj *content.Revision) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// ChangedFields is the resolver for the changedFields field.
func (r *revisionResolver) ChangedFields(ctx context.Context, obj *content.Revision) ([]string, error) {
	if obj.ChangedFields == "" {
		return []string{}, nil
	}
	return strings.Split(obj.ChangedFields, ","), nil
}

// Article returns ArticleResolver implementation.
func (r *Resolver) Article() ArticleResolver { return &articleResolver{r} }

// Revision returns RevisionResolver implementation.
func (r *Resolver) Revision() RevisionResolver { return &revisionResolver{r} }

type (
	articleResolver  struct{ *Resolver }
	revisionResolver struct{ *Resolver }
)
