package graph

import (
	"context"
	"strconv"

	"github.com/broadsheet/broadsheet/graph/loaders"
	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/auth"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/live"
	"github.com/broadsheet/broadsheet/models"
)

// People, roles and review: accounts, review transitions and the fields
// that name the person behind a change.

// accountByID loads an account through the request's loader; nil id, nil.
func accountByID(ctx context.Context, id *uint64) (*models.Account, error) {
	if id == nil || *id == 0 {
		return nil, nil
	}
	return loaders.From(ctx).AccountByID().Load(ctx, *id)
}

// ID is the resolver for the id field.
func (r *accountResolver) ID(ctx context.Context, obj *models.Account) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// Role is the resolver for the role field.
func (r *accountResolver) Role(ctx context.Context, obj *models.Account) (model.Role, error) {
	return schemaRole(obj.Role), nil
}

// Author is the resolver for the author field.
func (r *accountResolver) Author(ctx context.Context, obj *models.Account) (*models.Author, error) {
	if obj.AuthorID == nil {
		return nil, nil
	}
	return r.Content.AuthorByID(ctx, *obj.AuthorID)
}

// ID is the resolver for the id field.
func (r *reviewNoteResolver) ID(ctx context.Context, obj *models.ReviewNote) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// Account is the resolver for the account field.
func (r *reviewNoteResolver) Account(ctx context.Context, obj *models.ReviewNote) (*models.Account, error) {
	return accountByID(ctx, obj.AccountID)
}

// ReviewState is the resolver for the reviewState field.
func (r *articleResolver) ReviewState(ctx context.Context, obj *models.Article) (models.ReviewState, error) {
	if obj.ReviewState == "" {
		return models.ReviewNone, nil
	}
	return obj.ReviewState, nil
}

// ReviewNotes is the resolver for the reviewNotes field.
func (r *articleResolver) ReviewNotes(ctx context.Context, obj *models.Article) ([]*models.ReviewNote, error) {
	return r.Content.ReviewNotes(ctx, obj.ID)
}

// CreatedBy is the resolver for the createdBy field.
func (r *articleResolver) CreatedBy(ctx context.Context, obj *models.Article) (*models.Account, error) {
	return accountByID(ctx, obj.CreatedByAccountID)
}

// Account is the resolver for the account field.
func (r *revisionResolver) Account(ctx context.Context, obj *content.Revision) (*models.Account, error) {
	return accountByID(ctx, obj.AccountID)
}

// Account is the resolver for the account field.
func (r *auditEntryResolver) Account(ctx context.Context, obj *models.AuditEntry) (*models.Account, error) {
	return accountByID(ctx, obj.AccountID)
}

// Review is the resolver for the review field.
func (r *contentChangeResolver) Review(ctx context.Context, obj *live.Change) (*models.ReviewNote, error) {
	rc := obj.Review
	if rc == nil {
		return nil, nil
	}
	n := &models.ReviewNote{ID: rc.NoteID, ArticleID: obj.ObjectRowID, State: rc.State, Note: rc.Note, Actor: obj.Actor, CreatedAt: obj.OccurredAt}
	if rc.AccountID != 0 {
		n.AccountID = &rc.AccountID
	}
	return n, nil
}

// SubmitForReview is the resolver for the submitForReview field.
func (r *mutationResolver) SubmitForReview(ctx context.Context, id string, note *string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.SubmitForReview(ctx, articleID, deref(note)))
}

// RequestChanges is the resolver for the requestChanges field.
func (r *mutationResolver) RequestChanges(ctx context.Context, id string, note string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.RequestChanges(ctx, articleID, note))
}

// ApproveArticle is the resolver for the approveArticle field.
func (r *mutationResolver) ApproveArticle(ctx context.Context, id string, note *string) (*model.ArticlePayload, error) {
	articleID, err := idArg(globalid.TypeArticle, "id", id)
	if err != nil {
		return articlePayload(nil, err)
	}
	return articlePayload(r.Content.ApproveArticle(ctx, articleID, deref(note)))
}

// CreateAccount is the resolver for the createAccount field.
func (r *mutationResolver) CreateAccount(ctx context.Context, input model.AccountInput) (*model.AccountPayload, error) {
	in := auth.AccountInput{Email: input.Email, Name: input.Name, Role: roleOf(input.Role)}
	if input.Author != nil {
		id, err := idArg(globalid.TypeAuthor, "author", *input.Author)
		if err != nil {
			ue, err := userErrors(err)
			return &model.AccountPayload{UserErrors: ue}, err
		}
		in.AuthorID = id
	}
	a, err := r.Content.CreateAccount(ctx, in)
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		a = nil
	}
	return &model.AccountPayload{Account: a, UserErrors: ue}, nil
}

// Accounts is the resolver for the accounts field.
func (r *queryResolver) Accounts(ctx context.Context) ([]*models.Account, error) {
	return r.Content.Accounts().List(ctx)
}

// Me is the resolver for the me field.
func (r *queryResolver) Me(ctx context.Context) (*models.Account, error) {
	id := auth.ViewerFrom(ctx).AccountID
	return accountByID(ctx, &id)
}

// Account returns AccountResolver implementation.
func (r *Resolver) Account() AccountResolver { return &accountResolver{r} }

// ReviewNote returns ReviewNoteResolver implementation.
func (r *Resolver) ReviewNote() ReviewNoteResolver { return &reviewNoteResolver{r} }

type (
	accountResolver    struct{ *Resolver }
	reviewNoteResolver struct{ *Resolver }
)
