package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
)

// HasRole implements @hasRole: the one gate in front of every mutation and
// editor-only field. Readers get UNAUTHENTICATED; a token with too small a
// role gets FORBIDDEN.
func HasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	need := auth.Editor
	if role == model.RoleAdmin {
		need = auth.Admin
	}
	v := auth.ViewerFrom(ctx)
	switch {
	case v.Can(need):
		return next(ctx)
	case v.Role == auth.Reader && v.TokenName == "":
		return nil, apperr.New(apperr.Unauthenticated, "this needs an API token with the %s role: send Authorization: Bearer TOKEN", need)
	default:
		return nil, apperr.New(apperr.Forbidden, "this needs the %s role; your token %q is %s", need, v.TokenName, v.Role)
	}
}
