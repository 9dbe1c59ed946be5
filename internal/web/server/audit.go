package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/broadsheet/broadsheet/internal/content"
)

// auditRefusals records the mutations refused before the content service
// saw them — a token without the role @hasRole asks for, an id that does
// not decode — which the service, recording everything that reaches it,
// cannot. Mutations run one after another, so the errors of this root
// field are those whose path starts with its alias.
func (s *Server) auditRefusals(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	oc := graphql.GetOperationContext(ctx)
	rc := graphql.GetRootFieldContext(ctx)
	if s.cfg.Content == nil || oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation || rc == nil {
		return next(ctx)
	}
	ctx, tracker := content.TrackAudit(ctx)
	out := next(ctx)
	if tracker.Recorded() {
		return out
	}
	for _, e := range graphql.GetErrors(ctx) {
		if len(e.Path) > 0 && e.Path[0] == ast.PathName(rc.Field.Alias) {
			err := error(e)
			if e.Err != nil {
				err = e.Err
			}
			s.cfg.Content.RecordRefused(ctx, rc.Field.Name, err)
			break
		}
	}
	return out
}
