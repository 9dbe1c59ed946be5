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
func (r *authorResolver) Articles(ctx context.Context, obj *models.Author, first *int, after *string, last *int, before *string) (*model.Connection[*models.Article], error) {
	return r.articleConnectionOf(ctx, obj.GlobalID(), content.ArticleQuery{AuthorID: obj.ID}, page.Args{First: first, After: after, Last: last, Before: before})
}

// CreateAuthor is the resolver for the createAuthor field.
func (r *mutationResolver) CreateAuthor(ctx context.Context, input model.AuthorInput) (*model.AuthorPayload, error) {
	return authorPayload(r.Content.CreateAuthor(ctx, content.AuthorInput{
		Name: input.Name, Slug: deref(input.Slug), Bio: deref(input.Bio), AvatarURL: deref(input.AvatarURL), JobTitle: deref(input.JobTitle),
	}))
}

// UpdateAuthor is the resolver for the updateAuthor field.
func (r *mutationResolver) UpdateAuthor(ctx context.Context, id string, input model.UpdateAuthorInput) (*model.AuthorPayload, error) {
	authorID, err := idArg(globalid.TypeAuthor, "id", id)
	if err != nil {
		return authorPayload(nil, err)
	}
	return authorPayload(r.Content.UpdateAuthor(ctx, authorID, content.AuthorChanges{
		Name: input.Name, Slug: input.Slug, Bio: input.Bio, AvatarURL: clearable(input.AvatarURL), JobTitle: input.JobTitle,
	}))
}

// DeleteAuthor is the resolver for the deleteAuthor field.
func (r *mutationResolver) DeleteAuthor(ctx context.Context, id string) (*model.AuthorPayload, error) {
	authorID, err := idArg(globalid.TypeAuthor, "id", id)
	if err != nil {
		return authorPayload(nil, err)
	}
	return authorPayload(r.Content.DeleteAuthor(ctx, authorID))
}

// Author is the resolver for the author field.
func (r *queryResolver) Author(ctx context.Context, id *string, slug *string) (*models.Author, error) {
	authorID, err := optionalID(globalid.TypeAuthor, id)
	if err != nil {
		return nil, err
	}
	if authorID == 0 && slug != nil && *slug != "" {
		return r.authorPage(ctx, *slug)
	}
	return r.Content.LookupAuthor(ctx, authorID, deref(slug))
}

// authorPage reads the author with slug and, when the selection asks for
// one page of their articles, that page with it (Content.AuthorPage), as
// sectionFront does for a section.
func (r *queryResolver) authorPage(ctx context.Context, slug string) (*models.Author, error) {
	return ownerWithPage(ctx, "Author",
		func(ctx context.Context) (*models.Author, error) { return r.Content.LookupAuthor(ctx, 0, slug) },
		func(ctx context.Context, q content.ArticleQuery, args page.Args) (*models.Author, *page.List[*models.Article], error) {
			return r.Content.AuthorPage(ctx, slug, q, args)
		})
}

// Authors is the resolver for the authors field.
func (r *queryResolver) Authors(ctx context.Context, first *int, after *string) (*model.Connection[*models.Author], error) {
	list, err := r.Content.ListAuthors(ctx, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.AuthorConnection{List: list}, nil
}

// Author returns AuthorResolver implementation.
func (r *Resolver) Author() AuthorResolver { return &authorResolver{r} }

type (
	authorResolver struct{ *Resolver }
)
