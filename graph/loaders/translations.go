package loaders

import (
	"context"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/models"
)

// GroupKey asks for the translations of article ID, of translation group
// Group (0: none, answered without a query).
type GroupKey struct {
	ID, Group uint64
}

// LocaleKey asks for object ID (a section or a tag) in Locale.
type LocaleKey struct {
	ID     uint64
	Locale string
}

// translationsBatch loads the translations of a batch of articles in one
// statement.
func translationsBatch(svc *content.Service) func(context.Context, []GroupKey) ([][]*models.Article, []error) {
	return func(ctx context.Context, keys []GroupKey) ([][]*models.Article, []error) {
		arts := make([]*models.Article, len(keys))
		for i, k := range keys {
			arts[i] = &models.Article{ID: k.ID, TranslationGroup: k.Group}
		}
		got, err := svc.TranslationsOfArticles(ctx, arts)
		if err != nil {
			return nil, []error{err}
		}
		return got, nil
	}
}

// byLocale groups keys' ids by locale, in first-seen order.
func byLocale(keys []LocaleKey) (map[string][]uint64, []string) {
	m := map[string][]uint64{}
	var order []string
	for _, k := range keys {
		if _, ok := m[k.Locale]; !ok {
			order = append(order, k.Locale)
		}
		m[k.Locale] = append(m[k.Locale], k.ID)
	}
	return m, order
}

// categoryInBatch loads sections named in their keys' locales: one
// statement for the sections, one per locale for their names.
func categoryInBatch(svc *content.Service) func(context.Context, []LocaleKey) ([]*models.Category, []error) {
	return func(ctx context.Context, keys []LocaleKey) ([]*models.Category, []error) {
		ids, locales := byLocale(keys)
		found := map[LocaleKey]*models.Category{}
		for _, loc := range locales {
			cats, err := svc.CategoriesByIDs(ctx, ids[loc])
			if err != nil {
				return nil, []error{err}
			}
			if cats, err = svc.CategoriesIn(ctx, loc, cats); err != nil {
				return nil, []error{err}
			}
			for i, id := range ids[loc] {
				found[LocaleKey{id, loc}] = cats[i]
			}
		}
		out := make([]*models.Category, len(keys))
		for i, k := range keys {
			out[i] = found[k]
		}
		return out, nil
	}
}

// tagNameInBatch loads tag names in their keys' locales ("" where a tag
// has none), one statement per locale.
func tagNameInBatch(svc *content.Service) func(context.Context, []LocaleKey) ([]string, []error) {
	return func(ctx context.Context, keys []LocaleKey) ([]string, []error) {
		ids, locales := byLocale(keys)
		found := map[LocaleKey]string{}
		for _, loc := range locales {
			names, err := svc.TagNames(ctx, loc, ids[loc])
			if err != nil {
				return nil, []error{err}
			}
			for id, n := range names {
				found[LocaleKey{id, loc}] = n
			}
		}
		out := make([]string, len(keys))
		for i, k := range keys {
			out[i] = found[k]
		}
		return out, nil
	}
}
