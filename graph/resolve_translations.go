package graph

import (
	"context"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/locale"
	"github.com/broadsheet/broadsheet/models"
)

// Translations is the resolver for the translations field.
func (r *articleResolver) Translations(ctx context.Context, obj *models.Article) ([]*models.Article, error) {
	if obj.TranslationGroup == 0 {
		return []*models.Article{}, nil
	}
	return loaders.From(ctx).TranslationsByArticle().Load(ctx, loaders.GroupKey{ID: obj.ID, Group: obj.TranslationGroup})
}

// Translation is the resolver for the translation field.
func (r *articleResolver) Translation(ctx context.Context, obj *models.Article, locale string) (*models.Article, error) {
	loc, err := r.Content.CheckLocale("locale", &locale)
	if err != nil {
		return nil, err
	}
	if loc == obj.Locale {
		return obj, nil
	}
	all, err := r.Translations(ctx, obj)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.Locale == loc {
			return a, nil
		}
	}
	return nil, nil
}

// Locales is the resolver for the locales field.
func (r *queryResolver) Locales(ctx context.Context) ([]*model.Locale, error) {
	set := r.Content.Locales()
	var out []*model.Locale
	for _, l := range set.All() {
		out = append(out, &model.Locale{Tag: l, IsDefault: l == set.Default(), RightToLeft: locale.RightToLeft(l)})
	}
	return out, nil
}

// LinkTranslation is the resolver for the linkTranslation field.
func (r *mutationResolver) LinkTranslation(ctx context.Context, id string, translationOf string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	other, err := idArg(globalid.TypeArticle, "translationOf", translationOf)
	if err != nil {
		return topLevelFields(articlePayload(nil, err))
	}
	return topLevelFields(articlePayload(r.Content.LinkTranslation(ctx, articleID, other)))
}

// topLevelFields names the arguments of a mutation without an input object
// as they are (["translationOf"], not ["input", "translationOf"]).
func topLevelFields(p *model.ArticlePayload, err error) (*model.ArticlePayload, error) {
	if p != nil {
		for _, e := range p.UserErrors {
			if len(e.Field) == 2 && e.Field[0] == "input" {
				e.Field = e.Field[1:]
			}
		}
	}
	return p, err
}

// UnlinkTranslation is the resolver for the unlinkTranslation field.
func (r *mutationResolver) UnlinkTranslation(ctx context.Context, id string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.UnlinkTranslation(ctx, articleID))
}

// SetCategoryTranslation is the resolver for the setCategoryTranslation field.
func (r *mutationResolver) SetCategoryTranslation(ctx context.Context, id string, input model.CategoryTranslationInput) (*model.CategoryPayload, error) {
	categoryID, err := idArg(globalid.TypeCategory, "id", id)
	if err != nil {
		return categoryPayload(nil, err)
	}
	return categoryPayload(r.Content.SetCategoryTranslation(ctx, categoryID, content.TranslationInput{
		Locale: &input.Locale, Name: deref(input.Name), Description: deref(input.Description),
	}))
}

// SetTagTranslation is the resolver for the setTagTranslation field.
func (r *mutationResolver) SetTagTranslation(ctx context.Context, id string, input model.TagTranslationInput) (*model.TagPayload, error) {
	tagID, err := idArg(globalid.TypeTag, "id", id)
	if err != nil {
		return tagPayload(nil, err)
	}
	return tagPayload(r.Content.SetTagTranslation(ctx, tagID, content.TranslationInput{Locale: &input.Locale, Name: deref(input.Name)}))
}

// tagPayload builds a tag mutation's answer.
func tagPayload(t *models.Tag, err error) (*model.TagPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		t = nil
	}
	return &model.TagPayload{Tag: t, UserErrors: ue}, nil
}

// translationsWithSections returns the article's visible translations,
// each with its section's slug (for its address), through the loaders.
func (r *articleResolver) translationsWithSections(ctx context.Context, obj *models.Article) ([]content.Translation, error) {
	trs, err := r.Translations(ctx, obj)
	if err != nil || len(trs) == 0 {
		return nil, err
	}
	out := make([]content.Translation, len(trs))
	for i, t := range trs {
		out[i].Article = t
		if t.CategoryID != nil {
			c, err := loaders.From(ctx).CategoryByID().Load(ctx, *t.CategoryID)
			if err != nil {
				return nil, err
			}
			if c != nil {
				out[i].Section = c.Slug
			}
		}
	}
	return out, nil
}
