package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/models"
)

// subscribe registers a subscription with the hub and returns the channel
// gqlgen reads. The channel is the subscriber's bounded buffer: the hub
// never waits on it, and drops the subscriber when it is full.
func subscribe[T any](ctx context.Context, hub *live.Hub, f live.Filter, value func(live.Delivery) T) (<-chan graphql.Event[T], error) {
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
	return ch, nil
}

func subscribeArticles(ctx context.Context, hub *live.Hub, f live.Filter) (<-chan graphql.Event[*models.Article], error) {
	return subscribe(ctx, hub, f, func(d live.Delivery) *models.Article { return d.Article })
}

// checkLiveSelection refuses subscriptions that select lists below the
// article (revisions, a section's or author's articles): resolving those
// would cost a query per subscriber for every event.
func checkLiveSelection(ctx context.Context) error {
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
				if s.Name == "revisions" || s.Name == "articles" || s.Name == "history" || s.Name == "entries" || s.Name == "pinned" || s.Name == "keyEvents" || s.Name == "liveBlog" {
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

// relatedCategory returns the section loaded with the article, if any.
func relatedCategory(a *models.Article) *models.Category {
	if a.Relations == nil {
		return nil
	}
	return a.Relations.Category
}
