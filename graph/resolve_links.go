package graph

import (
	"context"

	"github.com/broadsheet/broadsheet/models"
)

// articleLink returns the article's URL and path; the section's slug is
// the one Article.category shows.
func (r *articleResolver) articleLink(ctx context.Context, obj *models.Article) (string, string, error) {
	rel, err := relationsOf(ctx, obj, models.RelCategory)
	if err != nil {
		return "", "", err
	}
	section := ""
	if rel.Category != nil {
		section = rel.Category.Slug
	}
	u, p := r.Content.ArticleURL(obj, section)
	return u, p, nil
}

// URL is the resolver for the url field.
func (r *articleResolver) URL(ctx context.Context, obj *models.Article) (string, error) {
	u, _, err := r.articleLink(ctx, obj)
	return u, err
}

// Path is the resolver for the path field.
func (r *articleResolver) Path(ctx context.Context, obj *models.Article) (string, error) {
	_, p, err := r.articleLink(ctx, obj)
	return p, err
}

// URL is the resolver for the url field.
func (r *authorResolver) URL(ctx context.Context, obj *models.Author) (string, error) {
	u, _ := r.Content.Publication().Links.Author(obj.Slug)
	return u, nil
}

// Path is the resolver for the path field.
func (r *authorResolver) Path(ctx context.Context, obj *models.Author) (string, error) {
	_, p := r.Content.Publication().Links.Author(obj.Slug)
	return p, nil
}

// URL is the resolver for the url field.
func (r *categoryResolver) URL(ctx context.Context, obj *models.Category) (string, error) {
	u, _ := r.Content.Publication().Links.Section(obj.Slug)
	return u, nil
}

// Path is the resolver for the path field.
func (r *categoryResolver) Path(ctx context.Context, obj *models.Category) (string, error) {
	_, p := r.Content.Publication().Links.Section(obj.Slug)
	return p, nil
}

// URL is the resolver for the url field.
func (r *tagResolver) URL(ctx context.Context, obj *models.Tag) (string, error) {
	u, _ := r.Content.Publication().Links.Tag(obj.Slug)
	return u, nil
}

// Path is the resolver for the path field.
func (r *tagResolver) Path(ctx context.Context, obj *models.Tag) (string, error) {
	_, p := r.Content.Publication().Links.Tag(obj.Slug)
	return p, nil
}
