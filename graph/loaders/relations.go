package loaders

import (
	"context"

	"github.com/broadsheet/broadsheet/models"
)

// Set returns the byline, section and tags that r asks for, as a set.
func (r Relations) Set() models.Relation {
	var s models.Relation
	if r.Authors {
		s |= models.RelAuthors
	}
	if r.Category {
		s |= models.RelCategory
	}
	if r.Tags {
		s |= models.RelTags
	}
	return s
}

// RelationKey asks for relations Want of one article; the article's
// section and locale come along so that the batch needs no extra lookup.
type RelationKey struct {
	ID         uint64
	CategoryID uint64 // 0: none
	Locale     string
	Want       models.Relation
}

// KeyOf returns the key asking for want of a.
func KeyOf(a *models.Article, want models.Relation) RelationKey {
	k := RelationKey{ID: a.ID, Locale: a.Locale, Want: want}
	if a.CategoryID != nil {
		k.CategoryID = *a.CategoryID
	}
	return k
}

// relationsBatch loads the relations of articles met one at a time in a
// list (an edge's node, a read-also link): one statement for the batch.
func (l *Loaders) relationsBatch(ctx context.Context, keys []RelationKey) ([]*models.ArticleRelations, []error) {
	stubs := make([]*models.Article, len(keys))
	var want models.Relation
	for i, k := range keys {
		stubs[i] = &models.Article{ID: k.ID, Locale: k.Locale}
		if k.CategoryID != 0 {
			id := k.CategoryID
			stubs[i].CategoryID = &id
		}
		want |= k.Want
	}
	if err := l.LoadRelations(ctx, stubs, want); err != nil {
		return nil, []error{err}
	}
	out := make([]*models.ArticleRelations, len(keys))
	for i, a := range stubs {
		out[i] = a.Relations
	}
	return out, nil
}

// LoadRelations loads, for the articles that have not got them, the
// relations of want: bylines, tags and sections in one statement, the
// names of sections and tags in the articles' own locales from the
// per-locale loaders. It sets each article's Relations to a new value
// holding what it had and what was loaded, so the caller must own the
// articles (fresh from the store, not shared with other requests).
func (l *Loaders) LoadRelations(ctx context.Context, articles []*models.Article, want models.Relation) error {
	var todo []*models.Article
	var need models.Relation
	for _, a := range articles {
		if m := a.Relations.Missing(want); m != 0 {
			todo = append(todo, a)
			need |= m
		}
	}
	if len(todo) == 0 {
		return nil
	}
	ids := make([]uint64, len(todo))
	for i, a := range todo {
		ids[i] = a.ID
	}
	// Sections in the default locale come with the statement; the others
	// by name in their locale.
	var catIDs []uint64
	var localCats []LocaleKey
	var localCatOf []int
	if need&models.RelCategory != 0 {
		seen := map[uint64]bool{}
		for i, a := range todo {
			switch {
			case a.CategoryID == nil:
			case !l.svc.DefaultLocale(a.Locale):
				localCats = append(localCats, LocaleKey{ID: *a.CategoryID, Locale: a.Locale})
				localCatOf = append(localCatOf, i)
			case !seen[*a.CategoryID]:
				seen[*a.CategoryID] = true
				catIDs = append(catIDs, *a.CategoryID)
			}
		}
	}
	authors, tags := need&models.RelAuthors != 0, need&models.RelTags != 0
	rel, err := l.svc.RelationsOfArticles(ctx, ids, authors, tags, catIDs)
	if err != nil {
		return err
	}
	cats := make(map[uint64]*models.Category, len(catIDs))
	for i, id := range catIDs {
		cats[id] = rel.Categories[i]
	}
	next := make([]models.ArticleRelations, len(todo))
	for i, a := range todo {
		n := &next[i]
		if a.Relations != nil {
			*n = *a.Relations
		}
		if authors {
			n.Authors = rel.Authors[i]
		}
		if tags {
			n.Tags = rel.Tags[i]
		}
		if need&models.RelCategory != 0 && a.CategoryID != nil && l.svc.DefaultLocale(a.Locale) {
			n.Category = cats[*a.CategoryID]
		}
		n.Loaded |= need
	}
	if len(localCats) > 0 {
		got, err := l.CategoryIn().LoadAll(ctx, localCats)
		if err != nil {
			return err
		}
		for j, i := range localCatOf {
			next[i].Category = got[j]
		}
	}
	if tags {
		if err := l.nameTags(ctx, todo, next); err != nil {
			return err
		}
	}
	for i, a := range todo {
		a.Relations = &next[i]
	}
	return nil
}

// nameTags names the tags of the articles not in the default locale in
// their locales (a tag without a name there keeps its own), all in one
// batch: rel[i] holds the relations of articles[i].
func (l *Loaders) nameTags(ctx context.Context, articles []*models.Article, rel []models.ArticleRelations) error {
	var keys []LocaleKey
	for i, a := range articles {
		if l.svc.DefaultLocale(a.Locale) {
			continue
		}
		for _, t := range rel[i].Tags {
			keys = append(keys, LocaleKey{ID: t.ID, Locale: a.Locale})
		}
	}
	if len(keys) == 0 {
		return nil
	}
	names, err := l.TagNameIn().LoadAll(ctx, keys)
	if err != nil {
		return err
	}
	j := 0
	for i, a := range articles {
		if l.svc.DefaultLocale(a.Locale) {
			continue
		}
		named := make([]*models.Tag, len(rel[i].Tags))
		for k, t := range rel[i].Tags {
			named[k] = t
			if names[j] != "" {
				cp := *t
				cp.Name = names[j]
				named[k] = &cp
			}
			j++
		}
		rel[i].Tags = named
	}
	return nil
}
