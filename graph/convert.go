package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// articleQuery turns the GraphQL filter and order (and a search's locale
// argument) into a content query; an unknown locale is BAD_USER_INPUT
// naming its argument.
func (r *Resolver) articleQuery(filter *model.ArticleFilter, order *model.ArticleOrder, locale *string) (content.ArticleQuery, error) {
	q := content.ArticleQuery{OrderBy: models.SortPublishedAt}
	if order != nil {
		q.OrderBy = models.ArticleSort(order.Field)
		q.Ascending = order.Direction == model.OrderDirectionAsc
	}
	if filter != nil {
		q.Category = deref(filter.Category)
		q.Tags = filter.Tags
		q.Author = deref(filter.Author)
		q.Statuses = filter.Status
		q.ReviewStates = filter.ReviewState
		q.PublishedAfter = filter.PublishedAfter
		q.PublishedBefore = filter.PublishedBefore
		loc, err := r.Content.CheckLocale("filter.locale", filter.Locale)
		if err != nil {
			return q, err
		}
		q.Locale = loc
	}
	if locale != nil {
		loc, err := r.Content.CheckLocale("locale", locale)
		if err != nil {
			return q, err
		}
		if q.Locale != "" && q.Locale != loc {
			return q, apperr.Invalidf("locale", "locale: %s differs from filter.locale %s: give one or the other", loc, q.Locale)
		}
		q.Locale = loc
	}
	return q, nil
}

// articleConnection lists articles and primes the relations the query asks
// for, so the page costs one statement per relation.
func (r *Resolver) articleConnection(ctx context.Context, q content.ArticleQuery, args page.Args) (*model.ArticleConnection, error) {
	return r.articleConnectionOf(ctx, "", q, args)
}

// articleConnectionOf is articleConnection for the list of owner (a global
// id), whose resolver may have read the page ahead (pageAhead): then it is
// taken, not read again.
func (r *Resolver) articleConnectionOf(ctx context.Context, owner string, q content.ArticleQuery, args page.Args) (*model.ArticleConnection, error) {
	q.Teasers = !wantsBodies(ctx, "ArticleConnection", "ArticleEdge")
	q.Cards = wantsCards(ctx, "ArticleConnection", "ArticleEdge")
	q.Total = selects(ctx, "ArticleConnection", "totalCount")
	var list *page.List[*models.Article]
	if owner != "" {
		list = loaders.From(ctx).TakePage(pageKey(owner, args, q))
	}
	if list == nil {
		var err error
		if list, err = r.Content.ListArticles(ctx, q, args); err != nil {
			return nil, err
		}
	}
	if err := primePage(ctx, list.Items); err != nil {
		return nil, err
	}
	return &model.ArticleConnection{List: list}, nil
}

// optionalID parses an optional global id of type typ (0 when absent).
func optionalID(typ string, id *string) (uint64, error) {
	if id == nil {
		return 0, nil
	}
	return globalid.ParseAs(typ, *id)
}

// clearable maps an omittable input field to a change: nil (left out)
// keeps the value, "" (sent as null) clears it.
func clearable(o graphql.Omittable[*string]) *string {
	if !o.IsSet() {
		return nil
	}
	if v := o.Value(); v != nil {
		return v
	}
	empty := ""
	return &empty
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
