package graph

import (
	"context"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// Articles is the resolver for the articles field.
func (r *categoryResolver) Articles(ctx context.Context, obj *models.Category, first *int, after *string, last *int, before *string) (*model.Connection[*models.Article], error) {
	return r.articleConnectionOf(ctx, obj.GlobalID(), content.ArticleQuery{CategoryID: obj.ID}, page.Args{First: first, After: after, Last: last, Before: before})
}

// CreateCategory is the resolver for the createCategory field.
func (r *mutationResolver) CreateCategory(ctx context.Context, input model.CategoryInput) (*model.CategoryPayload, error) {
	return categoryPayload(r.Content.CreateCategory(ctx, content.CategoryInput{
		Name: input.Name, Slug: deref(input.Slug), Description: deref(input.Description), Position: deref(input.Position),
	}))
}

// UpdateCategory is the resolver for the updateCategory field.
func (r *mutationResolver) UpdateCategory(ctx context.Context, id string, input model.UpdateCategoryInput) (*model.CategoryPayload, error) {
	categoryID, err := idArg(globalid.TypeCategory, "id", id)
	if err != nil {
		return categoryPayload(nil, err)
	}
	return categoryPayload(r.Content.UpdateCategory(ctx, categoryID, content.CategoryChanges{
		Name: input.Name, Slug: input.Slug, Description: input.Description, Position: input.Position,
	}))
}

// Category is the resolver for the category field.
func (r *queryResolver) Category(ctx context.Context, slug string, locale *string) (*models.Category, error) {
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	c, err := r.sectionFront(ctx, slug)
	if err != nil || c == nil {
		return c, err
	}
	cs, err := r.Content.CategoriesIn(ctx, loc, []*models.Category{c})
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// Categories is the resolver for the categories field.
func (r *queryResolver) Categories(ctx context.Context, locale *string) ([]*models.Category, error) {
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	cs, err := r.Content.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return r.Content.CategoriesIn(ctx, loc, cs)
}

// Tag is the resolver for the tag field.
func (r *queryResolver) Tag(ctx context.Context, slug string, locale *string) (*models.Tag, error) {
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	t, err := r.tagPage(ctx, slug)
	if err != nil || t == nil {
		return t, err
	}
	ts, err := r.Content.LocalizeTags(ctx, loc, []*models.Tag{t})
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// Tags is the resolver for the tags field.
func (r *queryResolver) Tags(ctx context.Context, first *int, after *string, locale *string) (*model.Connection[*models.Tag], error) {
	loc, err := r.Content.CheckLocale("locale", locale)
	if err != nil {
		return nil, err
	}
	list, err := r.Content.ListTags(ctx, loc, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.TagConnection{List: list}, nil
}

// Articles is the resolver for the articles field.
func (r *tagResolver) Articles(ctx context.Context, obj *models.Tag, first *int, after *string, last *int, before *string) (*model.Connection[*models.Article], error) {
	return r.articleConnectionOf(ctx, obj.GlobalID(), content.ArticleQuery{TagID: obj.ID}, page.Args{First: first, After: after, Last: last, Before: before})
}

// Category returns CategoryResolver implementation.
func (r *Resolver) Category() CategoryResolver { return &categoryResolver{r} }

// Tag returns TagResolver implementation.
func (r *Resolver) Tag() TagResolver { return &tagResolver{r} }

type (
	categoryResolver struct{ *Resolver }
	tagResolver      struct{ *Resolver }
)

// sectionFront reads the section with slug and, when its selection asks
// for one page of its articles, that page with it, in one statement
// (Content.SectionFront), and keeps the page for the articles field: a
// section front costs a round trip less.
func (r *queryResolver) sectionFront(ctx context.Context, slug string) (*models.Category, error) {
	return ownerWithPage(ctx, "Category",
		func(ctx context.Context) (*models.Category, error) { return r.Content.CategoryBySlug(ctx, slug) },
		func(ctx context.Context, q content.ArticleQuery, args page.Args) (*models.Category, *page.List[*models.Article], error) {
			return r.Content.SectionFront(ctx, slug, q, args)
		})
}

// tagPage is sectionFront for a tag (Content.TagPage).
func (r *queryResolver) tagPage(ctx context.Context, slug string) (*models.Tag, error) {
	return ownerWithPage(ctx, "Tag",
		func(ctx context.Context) (*models.Tag, error) { return r.Content.TagBySlug(ctx, slug) },
		func(ctx context.Context, q content.ArticleQuery, args page.Args) (*models.Tag, *page.List[*models.Article], error) {
			return r.Content.TagPage(ctx, slug, q, args)
		})
}
