package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/web/fanout"
	"github.com/broadsheet/broadsheet/models"
)

// subscribe registers a subscription with the hub and returns the channel
// gqlgen reads. The channel is the subscriber's bounded buffer: the hub
// never waits on it, and drops the subscriber when it is full.
func subscribe[T comparable](ctx context.Context, hub *live.Hub, f live.Filter, value func(live.Delivery) T) (<-chan graphql.Event[T], error) {
	if hub == nil {
		return nil, apperr.New(apperr.Unavailable, "live updates are not enabled on this server")
	}
	if err := checkLiveSelection(ctx); err != nil {
		return nil, err
	}
	ch := make(chan graphql.Event[T], hub.Buffer())
	sub := &live.Subscriber{
		Filter: f,
		Editor: auth.ViewerFrom(ctx).SeesDrafts(),
		Send: func(d live.Delivery) bool {
			select {
			case ch <- graphql.Event[T]{Context: live.WithDelivery(ctx, &d), Value: value(d)}:
				return true
			default:
				return false
			}
		},
		End: func() { close(ch) },
	}
	if err := hub.Subscribe(ctx, sub); err != nil {
		return nil, err
	}
	return fanout.Share(ctx, ch), nil
}

func subscribeArticles(ctx context.Context, hub *live.Hub, f live.Filter) (<-chan graphql.Event[*models.Article], error) {
	return subscribe(ctx, hub, f, func(d live.Delivery) *models.Article { return d.Article })
}

// checkLiveSelection refuses subscriptions that select lists below the
// article (revisions, corrections and the JSON-LD made with them, a
// section's or author's articles), its staged changes, or what a body
// links to (a read-also block's article, a library picture): resolving
// those would cost a query per subscriber for every event, and the
// connection's loaders would keep them for as long as it lasts.
func checkLiveSelection(ctx context.Context) error {
	liveRefused := map[string]bool{"revisions": true, "articles": true, "pendingChanges": true, "hasPendingChanges": true, "corrections": true, "jsonLd": true, "translations": true, "translation": true}
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	seen := map[string]bool{} // each fragment once, however often it is spread
	var walk func(sel ast.SelectionSet) error
	walk = func(sel ast.SelectionSet) error {
		for _, s := range sel {
			switch s := s.(type) {
			case *ast.Field:
				if liveRefused[s.Name] || linkedFromBody(s) || liveBlogList(s.Name) {
					return apperr.Invalidf(s.Name, "subscriptions cannot select %q: it would cost a query per subscriber and event; query it when an event arrives", s.Name)
				}
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(s.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if s.Definition != nil && !seen[s.Name] {
					seen[s.Name] = true
					if err := walk(s.Definition.SelectionSet); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(fc.Field.Selections)
}

// linkedFromBody reports whether f is a body block's field that loads
// another object: ReadAlsoBlock.article, ImageBlock.image and credit.
func linkedFromBody(f *ast.Field) bool {
	if f.ObjectDefinition == nil {
		return false
	}
	switch f.ObjectDefinition.Name {
	case "ReadAlsoBlock":
		return f.Name == "article"
	case "ImageBlock":
		return f.Name == "image" || f.Name == "credit"
	}
	return false
}

// inSubscription reports whether ctx resolves a subscription's payload.
func inSubscription(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Subscription
}

// liveBlogList reports whether a field is one of the lists below a live
// blog or entry (its entries, highlights, an entry's history, an article's
// liveBlog): each would cost a query per subscriber and event.
func liveBlogList(name string) bool {
	switch name {
	case "history", "entries", "pinned", "keyEvents", "liveBlog":
		return true
	}
	return false
}
