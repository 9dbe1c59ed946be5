package main

import (
	"fmt"
	"strings"
	"testing"
)

// fieldFunc writes a field's functions as gqlgen's template does: the one
// resolving it (with value, middleware and the marshaller's value type and
// name) and its field context (made by fieldContext).
func fieldFunc(name, value, middleware, typ, marshal, fieldContext string) string {
	return fmt.Sprintf(`func (ec *executionContext) _Article_%[1]s(ctx context.Context, field graphql.CollectedField, obj *models.Article) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Article_%[1]s(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return %[2]s, nil
		},
		%[3]s,
		func(ctx context.Context, selections ast.SelectionSet, v %[4]s) graphql.Marshaler {
			return ec.%[5]s(ctx, selections, v)
		},
		true,
		true,
	)
}
func (ec *executionContext) fieldContext_Article_%[1]s(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.%[6]s("Article", field, false, false, "String")
}
`, name, value, middleware, typ, marshal, fieldContext)
}

func TestPlainFieldsMarshalDirectly(t *testing.T) {
	tests := []struct {
		name                                   string
		value, middleware, typ, marshal, scope string
		direct                                 string // the body marshalling directly; "" = left to gqlgen
	}{
		{"struct field", "obj.Title", "nil", "string", "marshalNString2string", "NewScalarFieldContext",
			"return ec.marshalNString2string(ctx, field.Selections, obj.Title)"},
		{"method", "obj.GlobalID()", "nil", "string", "marshalNID2string", "NewScalarFieldContext",
			"return ec.marshalNID2string(ctx, field.Selections, obj.GlobalID())"},
		{"nullable pointer", "obj.PublishedAt", "nil", "*time.Time", "marshalOTime2ᚖtimeᚐTime", "NewScalarFieldContext",
			"return ec.marshalOTime2ᚖtimeᚐTime(ctx, field.Selections, obj.PublishedAt)"},
		{"non-null pointer: the null's error needs the field's path", "obj.Subtitle", "nil", "*string", "marshalNString2ᚖstring", "NewScalarFieldContext", ""},
		{"non-null list", "obj.Keywords", "nil", "[]string", "marshalNString2ᚕstringᚄ", "NewScalarFieldContext", ""},
		{"interface", "obj.Data", "nil", "any", "marshalOAny2any", "NewScalarFieldContext", ""},
		{"object: the middleware keys and completes it", "obj.Section", "nil", "*models.Category", "marshalOCategory2ᚖmodelsᚐCategory", "fieldContext", ""},
		{"directive", "obj.Title", "func(ctx context.Context, next graphql.Resolver) graphql.Resolver { return next }", "string", "marshalNString2string", "NewScalarFieldContext", ""},
		{"method with a context", "obj.Body(ctx)", "nil", "string", "marshalNString2string", "NewScalarFieldContext", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fieldFunc("field", tt.value, tt.middleware, tt.typ, tt.marshal, tt.scope)
			// A plain field beside it, for the rewrite to find one.
			other := fieldFunc("title", "obj.Title", "nil", "string", "marshalNString2string", "NewScalarFieldContext")
			out, err := plainFields([]byte(src + "\n" + other))
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := strings.Cut(string(out), "func (ec *executionContext) fieldContext_Article_field(")
			if tt.direct == "" {
				if got != src[:len(got)] || !strings.Contains(got, "graphql.ResolveField(") {
					t.Errorf("rewritten, want it left to gqlgen:\n%s", got)
				}
				return
			}
			want := "func (ec *executionContext) _Article_field(ctx context.Context, field graphql.CollectedField, obj *models.Article) (ret graphql.Marshaler) {\n\t" + tt.direct + "\n}\n"
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestPlainStringsMarshalWhereTheyLie: a plain String field read from a
// struct field is marshalled through a pointer to it, where gqlgen's
// String marshallers are as expected; a method's value, or a marshaller
// of another shape, is marshalled as any plain field.
func TestPlainStringsMarshalWhereTheyLie(t *testing.T) {
	marshallers := strings.Join([]string{stringMarshallers["ec.marshalNString2string"], stringMarshallers["ec.marshalOString2ᚖstring"]}, "\n")
	tests := []struct {
		name, value, typ, marshal, marshallers, direct string
	}{
		{"non-null", "obj.Title", "string", "marshalNString2string", marshallers,
			"return model.StringAt(&obj.Title)"},
		{"nullable", "obj.Subtitle", "*string", "marshalOString2ᚖstring", marshallers,
			"if obj.Subtitle == nil {\n\t\treturn graphql.Null\n\t}\n\treturn model.StringAt(obj.Subtitle)"},
		{"a method's value", "obj.GlobalID()", "string", "marshalNString2string", marshallers,
			"return ec.marshalNString2string(ctx, field.Selections, obj.GlobalID())"},
		{"String bound elsewhere", "obj.Title", "string", "marshalNString2string",
			strings.Replace(marshallers, "model.MarshalString(v)", "graphql.MarshalString(v)", 1),
			"return ec.marshalNString2string(ctx, field.Selections, obj.Title)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := fieldFunc("field", tt.value, "nil", tt.typ, tt.marshal, "NewScalarFieldContext") + "\n" + tt.marshallers
			out, err := plainFields([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			got, _, _ := strings.Cut(string(out), "func (ec *executionContext) fieldContext_Article_field(")
			want := "func (ec *executionContext) _Article_field(ctx context.Context, field graphql.CollectedField, obj *models.Article) (ret graphql.Marshaler) {\n\t" + tt.direct + "\n}\n"
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestPlainFieldsNoticeTemplateChanges(t *testing.T) {
	// No field in the shape expected: gqlgen's template changed.
	src := strings.Replace(fieldFunc("title", "obj.Title", "nil", "string", "marshalNString2string", "NewScalarFieldContext"),
		"ec.OperationContext,", "ec.OperationContext, nil,", 1)
	if _, err := plainFields([]byte(src)); err == nil {
		t.Error("no error for code with no plain field in the shape expected")
	}
	// A field resolved with another field's context.
	src = strings.Replace(fieldFunc("title", "obj.Title", "nil", "string", "marshalNString2string", "NewScalarFieldContext"),
		"return ec.fieldContext_Article_title(ctx, field)", "return ec.fieldContext_Article_other(ctx, field)", 1)
	if _, err := plainFields([]byte(src)); err == nil {
		t.Error("no error for a field resolved with another field's context")
	}
}
