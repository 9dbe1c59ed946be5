package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/internal/markdown"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/internal/web/fanout"
	"github.com/broadsheet/broadsheet/models"
)

// LiveBlog is the resolver for the liveBlog field.
func (r *articleResolver) LiveBlog(ctx context.Context, obj *models.Article) (*models.LiveBlog, error) {
	return r.Content.LiveBlog(ctx, obj)
}

// EntryCount is the resolver for the entryCount field.
func (r *liveBlogResolver) EntryCount(ctx context.Context, obj *models.LiveBlog) (int, error) {
	n, err := r.Content.CountLiveEntries(ctx, obj.ArticleID)
	return int(n), err
}

// Entries is the resolver for the entries field.
func (r *liveBlogResolver) Entries(ctx context.Context, obj *models.LiveBlog, first *int, after *string, last *int, before *string, keyEventsOnly *bool) (*model.Connection[*models.LiveEntry], error) {
	f := content.LiveEntryFilter{ArticleID: obj.ArticleID, KeyEventsOnly: deref(keyEventsOnly)}
	list, err := r.Content.LiveEntries(ctx, f, page.Args{First: first, After: after, Last: last, Before: before})
	if err != nil {
		return nil, err
	}
	return &model.Connection[*models.LiveEntry]{List: list}, nil
}

// Pinned is the resolver for the pinned field.
func (r *liveBlogResolver) Pinned(ctx context.Context, obj *models.LiveBlog) ([]*models.LiveEntry, error) {
	return r.Content.LiveHighlights(ctx, content.LiveEntryFilter{ArticleID: obj.ArticleID, PinnedOnly: true})
}

// KeyEvents is the resolver for the keyEvents field.
func (r *liveBlogResolver) KeyEvents(ctx context.Context, obj *models.LiveBlog) ([]*models.LiveEntry, error) {
	return r.Content.LiveHighlights(ctx, content.LiveEntryFilter{ArticleID: obj.ArticleID, KeyEventsOnly: true})
}

// History is the resolver for the history field.
func (r *liveEntryResolver) History(ctx context.Context, obj *models.LiveEntry) ([]*models.LiveEntryVersion, error) {
	return r.Content.LiveEntryHistory(ctx, obj.ID)
}

// StartLiveBlog is the resolver for the startLiveBlog field.
func (r *mutationResolver) StartLiveBlog(ctx context.Context, articleID string, contributorsMayPost *bool) (*model.LiveBlogPayload, error) {
	id, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return liveBlogPayload(nil, err)
	}
	return liveBlogPayload(r.Content.StartLiveBlog(ctx, id, content.LiveBlogOptions{ContributorsMayPost: contributorsMayPost}))
}

// SetLiveBlogOptions is the resolver for the setLiveBlogOptions field.
func (r *mutationResolver) SetLiveBlogOptions(ctx context.Context, articleID string, input model.LiveBlogOptionsInput) (*model.LiveBlogPayload, error) {
	id, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return liveBlogPayload(nil, err)
	}
	return liveBlogPayload(r.Content.SetLiveBlogOptions(ctx, id, content.LiveBlogOptions{ContributorsMayPost: input.ContributorsMayPost}))
}

// EndLiveBlog is the resolver for the endLiveBlog field.
func (r *mutationResolver) EndLiveBlog(ctx context.Context, articleID string) (*model.LiveBlogPayload, error) {
	id, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return liveBlogPayload(nil, err)
	}
	return liveBlogPayload(r.Content.EndLiveBlog(ctx, id))
}

// PostLiveEntry is the resolver for the postLiveEntry field.
func (r *mutationResolver) PostLiveEntry(ctx context.Context, articleID string, input model.LiveEntryInput) (*model.LiveEntryPayload, error) {
	id, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return liveEntryPayload(nil, err)
	}
	in := content.LiveEntryInput{Title: input.Title, Body: &input.Body}
	if input.Authors != nil {
		ids, bad := idList(globalid.TypeAuthor, "authors", input.Authors)
		in.AuthorIDs, in.IDErrors = &ids, bad
	}
	return liveEntryPayload(r.Content.PostLiveEntry(ctx, id, in))
}

// UpdateLiveEntry is the resolver for the updateLiveEntry field.
func (r *mutationResolver) UpdateLiveEntry(ctx context.Context, id string, input model.UpdateLiveEntryInput, expectedVersion *int) (*model.LiveEntryPayload, error) {
	entryID, err := idArg(globalid.TypeLiveEntry, "id", id)
	if err != nil {
		return liveEntryPayload(nil, err)
	}
	in := content.LiveEntryInput{Title: input.Title, Body: input.Body, Correction: input.Correction}
	if input.Authors != nil {
		ids, bad := idList(globalid.TypeAuthor, "authors", input.Authors)
		in.AuthorIDs, in.IDErrors = &ids, bad
	}
	return liveEntryPayload(r.Content.UpdateLiveEntry(ctx, entryID, in, expectedVersion))
}

// DeleteLiveEntry is the resolver for the deleteLiveEntry field.
func (r *mutationResolver) DeleteLiveEntry(ctx context.Context, id string) (*model.LiveEntryPayload, error) {
	entryID, err := idArg(globalid.TypeLiveEntry, "id", id)
	if err != nil {
		return liveEntryPayload(nil, err)
	}
	return liveEntryPayload(r.Content.DeleteLiveEntry(ctx, entryID))
}

// PinLiveEntry is the resolver for the pinLiveEntry field.
func (r *mutationResolver) PinLiveEntry(ctx context.Context, id string, pinned bool) (*model.LiveEntryPayload, error) {
	entryID, err := idArg(globalid.TypeLiveEntry, "id", id)
	if err != nil {
		return liveEntryPayload(nil, err)
	}
	return liveEntryPayload(r.Content.PinLiveEntry(ctx, entryID, pinned))
}

// MarkKeyEvent is the resolver for the markKeyEvent field.
func (r *mutationResolver) MarkKeyEvent(ctx context.Context, id string, keyEvent bool) (*model.LiveEntryPayload, error) {
	entryID, err := idArg(globalid.TypeLiveEntry, "id", id)
	if err != nil {
		return liveEntryPayload(nil, err)
	}
	return liveEntryPayload(r.Content.MarkKeyEvent(ctx, entryID, keyEvent))
}

// LiveBlogUpdated is the resolver for the liveBlogUpdated field.
func (r *subscriptionResolver) LiveBlogUpdated(ctx context.Context, articleID string, since *string) (<-chan graphql.Event[*live.LiveChange], error) {
	id, err := idArg(globalid.TypeArticle, "articleId", articleID)
	if err != nil {
		return nil, err
	}
	if r.Live == nil {
		return nil, apperr.New(apperr.Unavailable, "live updates are not enabled on this server")
	}
	if err := checkLiveSelection(ctx); err != nil {
		return nil, err
	}
	f := live.Follow{ArticleID: id, Editor: auth.ViewerFrom(ctx).SeesDrafts()}
	if since != nil {
		c, err := live.DecodeCursor(*since)
		if err != nil {
			return nil, err
		}
		if err := r.Live.CheckCursor(c); err != nil {
			return nil, err
		}
		f.Since = &c
	}
	b, _, err := r.Content.LiveBlogByArticleID(ctx, id)
	if err != nil {
		return nil, err
	}
	if b == nil {
		return nil, &apperr.Error{Kind: apperr.NotFound, Field: "articleId", Message: "no such live blog"}
	}
	ch, err := live.FollowLiveBlog(ctx, r.Live, f, func(d *live.Delivery) graphql.Event[*live.LiveChange] {
		return graphql.Event[*live.LiveChange]{Context: live.WithDelivery(ctx, d), Value: d.Live}
	})
	if err != nil {
		return nil, err
	}
	// since says where the replay starts, not what an answer says.
	return fanout.Share(ctx, ch, "since"), nil
}

// liveBlogPayload builds a live-blog mutation's answer.
func liveBlogPayload(b *models.LiveBlog, err error) (*model.LiveBlogPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		b = nil
	}
	return &model.LiveBlogPayload{LiveBlog: b, UserErrors: ue}, nil
}

// liveEntryPayload builds a live-entry mutation's answer; a conflict
// carries the entry as the other editor left it.
func liveEntryPayload(e *models.LiveEntry, err error) (*model.LiveEntryPayload, error) {
	var conflict *content.LiveConflictError
	if errors.As(err, &conflict) {
		e = conflict.Current
	}
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 && conflict == nil {
		e = nil
	}
	return &model.LiveEntryPayload{Entry: e, UserErrors: ue}, nil
}

// LiveBlog returns LiveBlogResolver implementation.
func (r *Resolver) LiveBlog() LiveBlogResolver { return &liveBlogResolver{r} }

// LiveEntry returns LiveEntryResolver implementation.
func (r *Resolver) LiveEntry() LiveEntryResolver { return &liveEntryResolver{r} }

type (
	liveBlogResolver  struct{ *Resolver }
	liveEntryResolver struct{ *Resolver }
)

// Blocks is the resolver for the blocks field.
func (r *liveEntryResolver) Blocks(ctx context.Context, obj *models.LiveEntry) ([]model.Block, error) {
	return graphBlocks(r.Content.EntryBlocks(obj))
}

// BodyHTML is the resolver for the bodyHtml field: as for articles.
func (r *liveEntryResolver) BodyHTML(ctx context.Context, obj *models.LiveEntry) (string, error) {
	return r.viewerHTML(ctx, obj.BodyBlocks, obj.BodyHTML, func() ([]markdown.Block, error) { return r.Content.EntryBlocks(obj) })
}

// Cursor is the resolver for the cursor field.
func (r *liveBlogResolver) Cursor(ctx context.Context, obj *models.LiveBlog) (*string, error) {
	if obj.LastSeq == 0 {
		return nil, nil
	}
	c := live.EncodeCursor(obj.LastSeq, obj.LastAt)
	return &c, nil
}
