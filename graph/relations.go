package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/models"
)

// An article's byline, section and tags are plain methods of the model
// (Byline, Section, TagList), which gqlgen resolves in line instead of in a
// goroutine per field. They read what was loaded with the article: lists
// load it for the whole page from the selection (primePage, primeArticle),
// and CompleteRelations loads it for articles reached any other way.

// CompleteRelations runs after every field: when the field resolved to
// articles whose selection asks for relations they were not loaded with,
// it loads those (a list's in one statement; a single article in a batch
// with its siblings) and returns copies of the articles that hold them.
// The articles themselves are never changed: they may be shared, as live
// updates share one article among all subscribers.
func CompleteRelations(ctx context.Context, res any) (any, error) {
	switch v := res.(type) {
	case *models.Article:
		if v == nil || !anyMissing([]*models.Article{v}) {
			return res, nil
		}
		out, err := completeList(ctx, []*models.Article{v}, selectedRelations(ctx))
		if err != nil {
			return nil, err
		}
		return out[0], nil
	case []*models.Article:
		if !anyMissing(v) {
			return res, nil
		}
		out, err := completeList(ctx, v, selectedRelations(ctx))
		if err != nil {
			return nil, err
		}
		return out, nil
	case []model.Node:
		var arts []*models.Article
		for _, n := range v {
			if a, ok := n.(*models.Article); ok && a != nil {
				arts = append(arts, a)
			}
		}
		if !anyMissing(arts) {
			return res, nil
		}
		done, err := completeList(ctx, arts, selectedRelations(ctx))
		if err != nil {
			return nil, err
		}
		out := make([]model.Node, len(v))
		j := 0
		for i, n := range v {
			out[i] = n
			if a, ok := n.(*models.Article); ok && a != nil {
				out[i] = done[j]
				j++
			}
		}
		return out, nil
	}
	return res, nil
}

// anyMissing reports whether an article of list has not got all its
// relations loaded (those that have need no look at the selection).
func anyMissing(list []*models.Article) bool {
	for _, a := range list {
		if a.Relations.Missing(models.AllRelations) != 0 {
			return true
		}
	}
	return false
}

// completeList returns list with copies of the articles that miss relations
// of want, holding them, loaded in one statement.
func completeList(ctx context.Context, list []*models.Article, want models.Relation) ([]*models.Article, error) {
	out := make([]*models.Article, len(list))
	var copies []*models.Article
	for i, a := range list {
		out[i] = a
		if a.Relations.Missing(want) != 0 {
			cp := *a
			out[i] = &cp
			copies = append(copies, &cp)
		}
	}
	if len(copies) == 0 {
		return list, nil
	}
	l := loaders.From(ctx)
	if !inList(ctx) {
		// No sibling lists to batch with: no need to wait for any.
		if err := l.LoadRelations(ctx, copies, want); err != nil {
			return nil, err
		}
		return out, nil
	}
	// One list of several (each article's related list, its translations):
	// all of them in one batch.
	keys := make([]loaders.RelationKey, len(copies))
	for i, a := range copies {
		keys[i] = loaders.KeyOf(a, a.Relations.Missing(want))
	}
	got, err := l.RelationsOf().LoadAll(ctx, keys)
	if err != nil {
		return nil, err
	}
	for i, a := range copies {
		a.Relations = merged(a.Relations, got[i], keys[i].Want)
	}
	return out, nil
}

// merged returns rel with the relations of loaded taken from got.
func merged(rel, got *models.ArticleRelations, loaded models.Relation) *models.ArticleRelations {
	out := &models.ArticleRelations{}
	if rel != nil {
		*out = *rel
	}
	if loaded&models.RelAuthors != 0 {
		out.Authors = got.Authors
	}
	if loaded&models.RelCategory != 0 {
		out.Category = got.Category
	}
	if loaded&models.RelTags != 0 {
		out.Tags = got.Tags
	}
	out.Loaded |= loaded
	return out
}

// relationsOf returns obj's relations holding at least want: those loaded
// with it, or else loaded now in a batch with the other articles met one at
// a time. obj is not changed.
func relationsOf(ctx context.Context, obj *models.Article, want models.Relation) (*models.ArticleRelations, error) {
	missing := obj.Relations.Missing(want)
	if missing == 0 {
		return obj.Relations, nil
	}
	got, err := loaders.From(ctx).RelationsOf().Load(ctx, loaders.KeyOf(obj, missing))
	if err != nil {
		return nil, err
	}
	return merged(obj.Relations, got, missing), nil
}

// inList reports whether the field being resolved is inside a list, where
// its siblings resolve at the same time and their loads can share a batch.
func inList(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return true
		}
	}
	return false
}

// selectedRelations returns the relations that the selection of the field
// being resolved asks of the articles it resolved to.
func selectedRelations(ctx context.Context) models.Relation {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return models.AllRelations
	}
	var want loaders.Relations
	markRelations(graphql.GetOperationContext(ctx), fc.Field.Selections, &want, false)
	return want.Set()
}
