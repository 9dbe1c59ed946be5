package graph

import (
	"io"

	"github.com/99designs/gqlgen/graphql"
)

// objectAnswer is what an object's generated marshaller returns once its
// fields are resolved (graph/internal/execgen points it here): fields and
// their values, written as gqlgen's FieldSet writes them. gqlgen's writer
// copies each field to the heap to hand it to an iterator and keeps a map
// of the names written: an allocation per field and one per object, a
// tenth of a homepage's. Where fields were deferred, gqlgen's field set,
// which the deferred payloads read, is the answer.
func objectAnswer(fields []graphql.CollectedField, out *graphql.FieldSet, deferred bool) graphql.Marshaler {
	if deferred {
		return out
	}
	return &object{fields: fields, values: out.Values}
}

// object is an object's resolved fields (fields[i] resolved to values[i]).
type object struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

// manyFields is the number of fields beyond which an object looks its
// names up in a map rather than among the fields before (a client may ask
// for hundreds of aliases of one field).
const manyFields = 32

// MarshalGQL writes the object as JSON: each response name once, with the
// value of its first field, in the order asked (what gqlgen writes).
// Response names are GraphQL names, which JSON never escapes.
func (o *object) MarshalGQL(w io.Writer) {
	var seen map[string]struct{}
	if len(o.fields) > manyFields {
		seen = make(map[string]struct{}, len(o.fields))
	}
	io.WriteString(w, "{")
	first := true
	for i := range o.fields {
		alias := o.fields[i].Alias
		if o.written(seen, i, alias) {
			continue
		}
		if !first {
			io.WriteString(w, ",")
		}
		first = false
		io.WriteString(w, `"`)
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// written reports whether a field before field i had its name alias (and
// so was written in its place), noting alias in seen when there is one.
func (o *object) written(seen map[string]struct{}, i int, alias string) bool {
	if seen != nil {
		if _, ok := seen[alias]; ok {
			return true
		}
		seen[alias] = struct{}{}
		return false
	}
	for j := range i {
		if o.fields[j].Alias == alias {
			return true
		}
	}
	return false
}
