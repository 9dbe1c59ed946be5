package graph

import (
	"bytes"
	"context"

	"github.com/broadsheet/broadsheet/graph/respbuf"
)

// answerBuffer is the buffer the generated code writes a query's or a
// mutation's data into (go generate ./graph puts it in place of gqlgen's
// new bytes.Buffer): the one the HTTP transport lent for the request, or
// a new one.
func answerBuffer(ctx context.Context) *bytes.Buffer { return respbuf.Take(ctx) }
