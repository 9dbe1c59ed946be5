package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/internal/loaders"
	"github.com/broadsheet/broadsheet/models"
)

// articleRelations looks ahead into the selection of the article connection
// being resolved and reports which relations its nodes ask for, so that they
// can be loaded for the whole page at once.
func articleRelations(ctx context.Context) loaders.Relations {
	var want loaders.Relations
	if graphql.GetFieldContext(ctx) == nil {
		return want
	}
	op := graphql.GetOperationContext(ctx)
	mark := func(sel ast.SelectionSet) {
		for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
			switch f.Name {
			case "authors":
				want.Authors = true
			case "tags":
				want.Tags = true
			case "category":
				want.Category = true
			}
		}
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"ArticleConnection"}) {
		switch f.Name {
		case "nodes":
			mark(f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(op, f.Selections, []string{"ArticleEdge"}) {
				if e.Name == "node" {
					mark(e.Selections)
				}
			}
		}
	}
	return want
}

// wantsBodies reports whether the nodes of the article connection being
// resolved ask for an article's body or bodyHtml.
func wantsBodies(ctx context.Context) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return true
	}
	op := graphql.GetOperationContext(ctx)
	asks := func(sel ast.SelectionSet) bool {
		for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
			if f.Name == "body" || f.Name == "bodyHtml" {
				return true
			}
		}
		return false
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{"ArticleConnection"}) {
		switch f.Name {
		case "nodes":
			if asks(f.Selections) {
				return true
			}
		case "edges":
			for _, e := range graphql.CollectFields(op, f.Selections, []string{"ArticleEdge"}) {
				if e.Name == "node" && asks(e.Selections) {
					return true
				}
			}
		}
	}
	return false
}

// primePage loads the relations a page of articles is asked for.
func primePage(ctx context.Context, articles []*models.Article) error {
	want := articleRelations(ctx)
	if want == (loaders.Relations{}) {
		return nil
	}
	return loaders.From(ctx).PrimeArticles(ctx, articles, want)
}
