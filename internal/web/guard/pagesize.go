package guard

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/related"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/page"
)

// PageSizes refuses a `first` or `last` outside its field's range
// (0–page.MaxSize for connections and revisions, 0–MaxRelated for
// related lists) before the operation runs. The resolvers check the same
// ranges, but only once the fields around them have run their SQL; here a
// page size nested anywhere is BAD_USER_INPUT before the first statement.
// Register it before the complexity limit: an out-of-range size is always
// reported as such, naming its argument, whatever the selection under it
// would cost. It also bounds how many ids nodes(ids:) may name.
type PageSizes struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = PageSizes{}

func (PageSizes) ExtensionName() string                   { return "PageSizes" }
func (PageSizes) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext checks every page argument of the operation.
func (PageSizes) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil {
		return nil
	}
	if err := Stopped(ctx); err != nil {
		return err
	}
	t := &ticker{ctx: ctx}
	err := checkPageSizes(opCtx.Operation.SelectionSet, opCtx.Variables, map[string]bool{}, t)
	if t.err != nil {
		return stoppedErr(t.err)
	}
	return err
}

// pageMax is the largest page a field's first/last allows.
func pageMax(field string) int {
	switch field {
	case "related", "relatedCandidates":
		return related.Max
	case "revisions":
		return content.MaxRevisions
	}
	return page.MaxSize
}

// checkPageSizes checks each fragment once (checked): its arguments read
// only the operation's variables, so a fragment that passed once passes
// wherever it is spread.
func checkPageSizes(set ast.SelectionSet, vars map[string]any, checked map[string]bool, t *ticker) *gqlerror.Error {
	for _, sel := range set {
		if t.tick() {
			return nil
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Definition != nil && len(s.Definition.Arguments) > 0 {
				args := s.ArgumentMap(vars)
				if ids, ok := args["ids"].([]any); ok && s.Name == "nodes" && len(ids) > content.MaxNodes {
					return badInput(s, "ids", fmt.Sprintf("ids of nodes may name at most %d objects (got %d)", content.MaxNodes, len(ids)))
				}
				for _, name := range []string{"first", "last"} {
					n, ok := asInt(args[name])
					if !ok {
						continue
					}
					if limit := pageMax(s.Name); n < 0 || n > int64(limit) {
						return badInput(s, name, fmt.Sprintf("%s of %s must be between 0 and %d (got %d)", name, s.Name, limit, n))
					}
				}
			}
			if err := checkPageSizes(s.SelectionSet, vars, checked, t); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := checkPageSizes(s.SelectionSet, vars, checked, t); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || checked[s.Name] {
				continue
			}
			checked[s.Name] = true
			if err := checkPageSizes(s.Definition.SelectionSet, vars, checked, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// badInput is the BAD_USER_INPUT error for argument arg of field f.
func badInput(f *ast.Field, arg, msg string) *gqlerror.Error {
	err := &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": arg}}
	if f.Position != nil {
		err.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return err
}

// asInt reads an Int argument as gqlparser and the variables decoder
// hand it over.
func asInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
