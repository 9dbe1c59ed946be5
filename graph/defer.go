package graph

import (
	"slices"

	"github.com/99designs/gqlgen/graphql"
)

// inLine returns an object's collected fields with those deferred by
// @defer marked to resolve in line, with the object's other fields; the
// generated code calls it on each object's fields before marshalling them
// (graph/internal/execgen points it there).
//
// gqlgen resolves a deferred field apart and sends it in a later
// incremental payload, leaving null in the first. The HTTP transports
// send one response per request, so the later payloads were lost and the
// fields answered null without an error. The incremental-delivery
// proposal lets a server answer @defer in its initial response: every
// field then arrives in the one response, as if not deferred, with no
// hasNext. fields is usually the request's cached collection, shared by
// the objects it was collected for, so it is copied before it is changed;
// without @defer it is returned as it is.
func inLine(fields []graphql.CollectedField) []graphql.CollectedField {
	for i := range fields {
		if fields[i].IsDeferred() {
			fields = slices.Clone(fields)
			for j := i; j < len(fields); j++ {
				fields[j].IsNonDeferrable = true
			}
			return fields
		}
	}
	return fields
}
