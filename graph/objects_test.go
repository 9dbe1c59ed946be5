package graph

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestObjectAnswerAsGqlgen: an object's fields are written as gqlgen's
// field set writes them, byte for byte: each response name once, with its
// first field's value, in the order asked, below and above manyFields.
func TestObjectAnswerAsGqlgen(t *testing.T) {
	many := make([]string, manyFields+8)
	for i := range many {
		many[i] = fmt.Sprintf("a%d", i%(manyFields-3)) // names repeat
	}
	tests := []struct {
		name    string
		aliases []string
	}{
		{"none", nil},
		{"one", []string{"title"}},
		{"several", []string{"id", "title", "__typename", "slug"}},
		{"a name twice", []string{"title", "slug", "title", "t2", "slug"}},
		{"many", many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := make([]graphql.CollectedField, len(tt.aliases))
			for i, a := range tt.aliases {
				fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: a, Name: "f"}}
			}
			gqlgens := graphql.NewFieldSet(fields)
			for i := range fields {
				gqlgens.Values[i] = graphql.MarshalString(fmt.Sprintf("value %d", i))
			}
			var want, got bytes.Buffer
			gqlgens.MarshalGQL(&want)
			objectAnswer(fields, gqlgens, false).MarshalGQL(&got)
			if got.String() != want.String() {
				t.Errorf("got  %s\nwant %s", got.String(), want.String())
			}
			if objectAnswer(fields, gqlgens, true) != graphql.Marshaler(gqlgens) {
				t.Error("with fields deferred, the answer is not gqlgen's field set")
			}
		})
	}
}
