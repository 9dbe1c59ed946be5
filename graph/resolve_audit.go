package graph

import (
	"context"
	"strconv"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/globalid"
	"github.com/broadsheet/broadsheet/internal/page"
	"github.com/broadsheet/broadsheet/models"
)

// ID is the resolver for the id field.
func (r *auditEntryResolver) ID(ctx context.Context, obj *models.AuditEntry) (string, error) {
	return strconv.FormatUint(obj.ID, 10), nil
}

// ObjectID is the resolver for the objectId field.
func (r *auditEntryResolver) ObjectID(ctx context.Context, obj *models.AuditEntry) (*string, error) {
	if obj.ObjectID == 0 || obj.ObjectType == "" {
		return nil, nil
	}
	id := globalid.ID(obj.ObjectType, obj.ObjectID)
	return &id, nil
}

// AuditLog is the resolver for the auditLog field.
func (r *queryResolver) AuditLog(ctx context.Context, first *int, after *string, filter *model.AuditFilter) (*model.Connection[*models.AuditEntry], error) {
	f := content.AuditFilter{}
	if filter != nil {
		f.Actor, f.Action, f.ObjectType, f.Outcome = deref(filter.Actor), deref(filter.Action), deref(filter.ObjectType), deref(filter.Outcome)
		f.AccountEmail = deref(filter.Account)
		if filter.ObjectID != nil {
			typ, id, err := globalid.Parse(*filter.ObjectID)
			if err != nil {
				return nil, err
			}
			f.ObjectType, f.ObjectID = typ, id
		}
	}
	list, err := r.Content.AuditLog(ctx, f, page.Args{First: first, After: after})
	if err != nil {
		return nil, err
	}
	return &model.AuditConnection{List: list}, nil
}

// AuditEntry returns AuditEntryResolver implementation.
func (r *Resolver) AuditEntry() AuditEntryResolver { return &auditEntryResolver{r} }

type (
	auditEntryResolver struct{ *Resolver }
)
