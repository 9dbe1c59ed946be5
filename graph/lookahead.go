package graph

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/related"
	"github.com/broadsheet/broadsheet/models"
)

// articleRelations looks ahead into the selection of the article connection
// being resolved and reports which relations its nodes ask for, so that they
// can be loaded for the whole page at once.
func articleRelations(ctx context.Context) loaders.Relations {
	return connectionRelations(ctx, "ArticleConnection", "ArticleEdge")
}

// connectionRelations does the look-ahead for any connection of articles
// (connType with edges of edgeType).
func connectionRelations(ctx context.Context, connType, edgeType string) loaders.Relations {
	var want loaders.Relations
	if graphql.GetFieldContext(ctx) == nil {
		return want
	}
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{connType}) {
		switch f.Name {
		case "nodes":
			markRelations(op, f.Selections, &want, true)
		case "edges":
			for _, e := range graphql.CollectFields(op, f.Selections, []string{edgeType}) {
				if e.Name == "node" {
					markRelations(op, e.Selections, &want, true)
				}
			}
		}
	}
	return want
}

// selects reports whether the selection of the field being resolved, of
// type typ, asks for its field name.
func selects(ctx context.Context, typ, name string) bool {
	if graphql.GetFieldContext(ctx) == nil {
		return false
	}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typ}) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// asks reports whether the selection sel asks objects of type typ for
// their field name.
func asks(op *graphql.OperationContext, sel ast.SelectionSet, typ, name string) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{typ}) {
		if f.Name == name {
			return true
		}
	}
	return false
}

// wantsBodies reports whether the nodes of the connection being resolved
// (of type conn, with edges of type edge) need an article's body
// (asksBodies).
func wantsBodies(ctx context.Context, conn, edge string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return true
	}
	return connectionAsksBodies(graphql.GetOperationContext(ctx), fc.Field.Selections, conn, edge)
}

// wantsCards reports whether the nodes of the connection being resolved
// (of type conn, with edges of type edge) ask for card fields only
// (connectionAsksCards).
func wantsCards(ctx context.Context, conn, edge string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	return connectionAsksCards(graphql.GetOperationContext(ctx), fc.Field.Selections, conn, edge)
}

// connectionAsksBodies reports whether the selection sel of a connection
// (of type conn, with edges of type edge) asks its nodes for a body.
func connectionAsksBodies(op *graphql.OperationContext, sel ast.SelectionSet, conn, edge string) bool {
	asks := func(sel ast.SelectionSet) bool { return asksBodies(op, sel) }
	for _, f := range graphql.CollectFields(op, sel, []string{conn}) {
		switch f.Name {
		case "nodes":
			if asks(f.Selections) {
				return true
			}
		case "edges":
			for _, e := range graphql.CollectFields(op, f.Selections, []string{edge}) {
				if e.Name == "node" && asks(e.Selections) {
					return true
				}
			}
		}
	}
	return false
}

// cardFields are content.CardFields, as a set.
var cardFields = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range content.CardFields {
		m[f] = true
	}
	return m
}()

// connectionAsksCards reports whether the selection sel of a connection
// (of type conn, with edges of type edge) asks its nodes for nothing but
// card fields, so that its page can be read as cards (ArticleQuery.Cards).
func connectionAsksCards(op *graphql.OperationContext, sel ast.SelectionSet, conn, edge string) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{conn}) {
		switch f.Name {
		case "nodes":
			if !asksCards(op, f.Selections) {
				return false
			}
		case "edges":
			for _, e := range graphql.CollectFields(op, f.Selections, []string{edge}) {
				if e.Name == "node" && !asksCards(op, e.Selections) {
					return false
				}
			}
		}
	}
	return true
}

// asksCards reports whether an Article selection asks for card fields
// only (content.CardFields).
func asksCards(op *graphql.OperationContext, sel ast.SelectionSet) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
		if !cardFields[f.Name] {
			return false
		}
	}
	return true
}

// asksBodies reports whether an Article selection needs the article's body:
// body, bodyHtml or blocks, or pendingChanges (whose changed fields compare
// the staged body with the live one).
func asksBodies(op *graphql.OperationContext, sel ast.SelectionSet) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
		switch f.Name {
		case "body", "bodyHtml", "blocks", "pendingChanges":
			return true
		}
	}
	return false
}

// asksSource reports whether an Article selection needs the body's Markdown
// source: every field asksBodies names but bodyHtml, which reads the stored
// HTML and blocks (blocks falls back to the source for a body stored
// before blocks were).
func asksSource(op *graphql.OperationContext, sel ast.SelectionSet) bool {
	for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
		switch f.Name {
		case "body", "blocks", "pendingChanges":
			return true
		}
	}
	return false
}

// markRelations adds the relations an Article selection asks for to want;
// with nested, it also looks into a related(first:) selection (one level).
func markRelations(op *graphql.OperationContext, sel ast.SelectionSet, want *loaders.Relations, nested bool) {
	for _, f := range graphql.CollectFields(op, sel, []string{"Article", "Node"}) {
		switch f.Name {
		case "authors":
			want.Authors = true
		case "tags":
			want.Tags = true
		case "category", "url", "path": // the address holds the section
			want.Category = true
		case "jsonLd":
			want.Authors, want.Category, want.Tags = true, true, true
		case "related":
			if !nested {
				continue
			}
			n, err := related.Limit(intArg(f.ArgumentMap(op.Variables)["first"]))
			if err != nil || n == 0 || (want.Related != 0 && n != want.Related) { // the resolver reports the error
				continue
			}
			// Aliases of the same size share one list: what any of them
			// asks for is loaded for all.
			want.Related = n
			want.RelatedBodies = want.RelatedBodies || asksBodies(op, f.Selections)
			inner := &loaders.Relations{}
			if want.RelatedWants != nil {
				inner = want.RelatedWants
			}
			markRelations(op, f.Selections, inner, false)
			if *inner != (loaders.Relations{}) {
				want.RelatedWants = inner
			}
		}
	}
}

// intArg reads an Int argument as gqlparser hands it over (nil when absent).
func intArg(v any) *int {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int64:
		n = int(x)
	case float64:
		n = int(x)
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return nil
		}
		n = int(i)
	default:
		return nil
	}
	return &n
}

// primePage loads the relations a page of articles is asked for.
func primePage(ctx context.Context, articles []*models.Article) error {
	return primeWith(ctx, articles, articleRelations(ctx))
}

func primeWith(ctx context.Context, articles []*models.Article, want loaders.Relations) error {
	if want == (loaders.Relations{}) {
		return nil
	}
	return loaders.From(ctx).PrimeArticles(ctx, articles, want)
}

// primeArticle loads, right away, the relations the selection of a single
// article (article(id:|slug:)) asks for, and the library pictures and
// read-also targets its fields will show, so an article page does not
// wait for loader batches to fill.
func primeArticle(ctx context.Context, a *models.Article) error {
	fc := graphql.GetFieldContext(ctx)
	if a == nil || fc == nil {
		return nil
	}
	op := graphql.GetOperationContext(ctx)
	var want loaders.Relations
	markRelations(op, fc.Field.Selections, &want, true)
	if err := primeWith(ctx, []*models.Article{a}, want); err != nil {
		return err
	}
	// What the article's fields will load one by one, read now instead.
	// An article also asked for other articles or live-blog entries keeps
	// the loaders' shared batches: those bring pictures and links of their
	// own. So does one asked for blocks' alt text or caption alone, for
	// pictures: which of its blocks load their picture then depends on
	// each block's own text. An image block's image and credit always load
	// it, so blocks asking for either read every picture now.
	var refs loaders.ArticleRefs
	var cover, bodyHTML, blocks, blockPictures bool
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, []string{"Article"}) {
		switch f.Name {
		case "coverImage", "seo", "jsonLd":
			cover = true
		case "bodyHtml":
			bodyHTML = true
		case "blocks":
			blocks = true
			refs.ReadAlso = refs.ReadAlso || asks(op, f.Selections, "ReadAlsoBlock", "article")
			blockPictures = blockPictures || asks(op, f.Selections, "ImageBlock", "image") || asks(op, f.Selections, "ImageBlock", "credit")
		case "related", "relatedCandidates", "translations", "translation", "liveBlog", "pendingChanges":
			return nil
		}
	}
	if bodyHTML {
		refs.BodyPictures, refs.ReadAlso = true, true
	}
	refs.BodyPictures = refs.BodyPictures || blockPictures
	refs.Cover = cover && (refs.BodyPictures || !blocks)
	return loaders.From(ctx).PrimeArticleRefs(ctx, a, refs)
}

// ownerWithPage reads an owner of a page of articles (a section, an
// author, a tag: typ) by its own lookup, alone, or, when its selection
// asks its articles field for one page, together with that page, which it
// keeps for the field: a round trip less.
func ownerWithPage[T interface {
	comparable
	GlobalID() string
}](ctx context.Context, typ string,
	alone func(context.Context) (T, error),
	together func(context.Context, content.ArticleQuery, page.Args) (T, *page.List[*models.Article], error),
) (T, error) {
	args, q, ok := pageAhead(ctx, typ, "articles")
	if !ok {
		return alone(ctx)
	}
	owner, list, err := together(ctx, q, args)
	var none T
	if err != nil || owner == none || list == nil {
		return owner, err
	}
	loaders.From(ctx).KeepPage(pageKey(owner.GlobalID(), args, q), list)
	return owner, nil
}

// pageAhead plans the page of articles a single object's selection asks
// for in its field name (a section's articles), for the object's resolver
// to read with the object: the arguments and the query's Teasers and Total.
// Not when the field is asked for more than once (aliases), or not at all.
func pageAhead(ctx context.Context, typ, name string) (page.Args, content.ArticleQuery, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return page.Args{}, content.ArticleQuery{}, false
	}
	op := graphql.GetOperationContext(ctx)
	var field *graphql.CollectedField
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, []string{typ}) {
		if f.Name != name {
			continue
		}
		if field != nil {
			return page.Args{}, content.ArticleQuery{}, false
		}
		field = &f
	}
	if field == nil {
		return page.Args{}, content.ArticleQuery{}, false
	}
	argv := field.ArgumentMap(op.Variables)
	args := page.Args{First: intArg(argv["first"]), Last: intArg(argv["last"]), After: stringArg(argv["after"]), Before: stringArg(argv["before"])}
	q := content.ArticleQuery{
		Teasers: !connectionAsksBodies(op, field.Selections, "ArticleConnection", "ArticleEdge"),
		Cards:   connectionAsksCards(op, field.Selections, "ArticleConnection", "ArticleEdge"),
		Total:   asks(op, field.Selections, "ArticleConnection", "totalCount"),
	}
	return args, q, true
}

// stringArg reads a String argument as gqlparser hands it over (nil when
// absent).
func stringArg(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

// pageKey names the page args and q ask for of owner's list.
func pageKey(owner string, args page.Args, q content.ArticleQuery) loaders.PageKey {
	k := loaders.PageKey{Owner: owner, First: -1, Last: -1, Teasers: q.Teasers, Cards: q.Cards, Total: q.Total}
	if args.First != nil {
		k.First = *args.First
	}
	if args.Last != nil {
		k.Last = *args.Last
	}
	if args.After != nil {
		k.After, k.HasAfter = *args.After, true
	}
	if args.Before != nil {
		k.Before, k.HasBefore = *args.Before, true
	}
	return k
}
