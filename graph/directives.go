package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/graph/model"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/auth"
)

// HasRole implements @hasRole: the one gate in front of every mutation and
// editor-only field. Readers get UNAUTHENTICATED; a token with too small a
// role gets FORBIDDEN.
func HasRole(ctx context.Context, _ any, next graphql.Resolver, role model.Role) (any, error) {
	need := roleOf(role)
	v := auth.ViewerFrom(ctx)
	switch {
	case v.Can(need):
		return next(ctx)
	case v.Role == auth.Reader && !v.Authenticated():
		return nil, apperr.New(apperr.Unauthenticated, "this needs an API token with the %s role: send Authorization: Bearer TOKEN", need)
	default:
		return nil, apperr.New(apperr.Forbidden, "this needs the %s role; your token %q is %s", need, v.TokenName, v.Role)
	}
}

// roleOf maps the schema's Role to the viewer's.
func roleOf(r model.Role) auth.Role {
	switch r {
	case model.RoleContributor:
		return auth.Contributor
	case model.RoleEditor:
		return auth.Editor
	case model.RoleAdmin:
		return auth.Admin
	}
	return auth.Reader
}

// schemaRole maps a role name as stored (reader, contributor, …) to the
// schema's Role.
func schemaRole(s string) model.Role {
	r, err := auth.ParseRole(s)
	if err != nil {
		return model.RoleReader
	}
	return model.Role(strings.ToUpper(r.String()))
}
