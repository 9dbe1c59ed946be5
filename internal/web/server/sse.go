package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// sseTransport is gqlgen's SSE transport behind a check of the body.
// gqlgen answers a body that does not decode by quoting all of it, in the
// answer and in a plain-text line on the standard logger; here a bad body
// is refused first, like a bad POST: briefly, and logged with a short,
// email-free prefix. A body over the limit is a 413, as on POST.
type sseTransport struct {
	transport.SSE
	s *Server
}

func (t sseTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	info := reqinfo.From(r.Context())
	body, err := io.ReadAll(r.Body)
	if err != nil {
		info.Outcome = reqinfo.OutcomeRejected
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeRequestError(w, info, http.StatusRequestEntityTooLarge, codePayloadTooLarge, "request body is larger than the limit")
			return
		}
		writeRequestError(w, info, http.StatusBadRequest, codeBadRequest, "the request body could not be read")
		return
	}
	// The same type gqlgen decodes into, so that what passes here decodes
	// there too.
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err = dec.Decode(&params); err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err != nil {
		msg := reqinfo.Brief(err.Error())
		t.s.cfg.Logger.Info("malformed SSE request body", "request_id", info.ID, "err", msg,
			"body_bytes", len(body), "body_prefix", reqinfo.Snippet(body))
		info.Outcome = reqinfo.OutcomeRequestError
		writeRequestError(w, info, http.StatusBadRequest, codeBadRequest, "the request body is not a valid GraphQL JSON request: "+msg)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	t.SSE.Do(w, r, exec)
}
