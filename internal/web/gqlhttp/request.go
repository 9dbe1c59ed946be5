package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// Media types of GraphQL-over-HTTP responses.
const (
	MediaJSON            = "application/json"
	MediaGraphQLResponse = "application/graphql-response+json"
)

// negotiate picks the response media type from an Accept header: the
// acceptable type with the highest q (the first on ties); application/json
// when Accept is absent or only wildcards match; false when nothing we can
// produce is acceptable.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaJSON, true
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var cand string
		switch mt {
		case MediaGraphQLResponse:
			cand = MediaGraphQLResponse
		case MediaJSON, "application/*", "*/*":
			cand = MediaJSON
		}
		if cand != "" && q > bestQ {
			best, bestQ = cand, q
		}
	}
	return best, best != ""
}

// requestError is a request that is not a well-formed GraphQL-over-HTTP
// request; it is answered with status and code and never executed.
type requestError struct {
	status int
	code   string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(msg string) *requestError {
	return &requestError{status: http.StatusBadRequest, code: "BAD_REQUEST", msg: msg}
}

// wireRequest is the JSON body of a POST (and the shape of GET parameters).
type wireRequest struct {
	Query         *string        `json:"query"`
	OperationName *string        `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	// DocumentID is the persisted-documents form of a hash ("sha256:…").
	DocumentID *string `json:"documentId"`
}

// readParams decodes a GET's query string or a POST's JSON body (or, when
// maxUpload is positive, a multipart request with files of up to that
// many bytes).
func readParams(r *http.Request, maxUpload int64) (*graphql.RawParams, *requestError) {
	var w wireRequest
	switch r.Method {
	case http.MethodGet:
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, badRequest("the query string is malformed: " + firstLine(err.Error()))
		}
		if v, ok := q["query"]; ok {
			w.Query = &v[0]
		}
		if v, ok := q["operationName"]; ok && v[0] != "" {
			w.OperationName = &v[0]
		}
		if v, ok := q["documentId"]; ok {
			w.DocumentID = &v[0]
		}
		for name, dst := range map[string]*map[string]any{"variables": &w.Variables, "extensions": &w.Extensions} {
			if v := q.Get(name); v != "" {
				if err := decodeJSON(strings.NewReader(v), dst); err != nil {
					return nil, badRequest("the " + name + " parameter is not a JSON object")
				}
			}
		}
	case http.MethodPost:
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			return nil, &requestError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "a POST needs Content-Type: application/json"}
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err == nil && mt == MediaMultipart && maxUpload > 0 {
			mw, rerr := readMultipart(r, maxUpload)
			if rerr != nil {
				return nil, rerr
			}
			w = *mw
			break
		}
		if err != nil || mt != MediaJSON {
			return nil, &requestError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "a POST body must be application/json"}
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return nil, &requestError{http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "a POST body must be UTF-8"}
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, &requestError{http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body is larger than the limit"}
			}
			return nil, badRequest("the request body could not be read")
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return nil, badRequest("the request body is empty: send a JSON object with a query")
		}
		if err := decodeJSON(bytes.NewReader(body), &w); err != nil {
			return nil, badRequest("the request body is not a valid GraphQL JSON request: " + firstLine(err.Error()))
		}
	}
	p := &graphql.RawParams{Variables: w.Variables, Extensions: w.Extensions, Headers: r.Header}
	if w.Query != nil {
		p.Query = *w.Query
	}
	if w.OperationName != nil {
		p.OperationName = *w.OperationName
	}
	if w.DocumentID != nil && p.Extensions["persistedQuery"] == nil {
		hash, ok := strings.CutPrefix(*w.DocumentID, "sha256:")
		if !ok {
			return nil, badRequest(`documentId must be "sha256:" followed by the document's hash`)
		}
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions["persistedQuery"] = map[string]any{"version": json.Number("1"), "sha256Hash": hash}
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, badRequest("the request has no query: send query (or a persisted query hash)")
	}
	return p, nil
}

// decodeJSON decodes exactly one JSON value into v, numbers kept exact.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// firstLine shortens a decoder's complaint for an error message: one line,
// a short prefix, no email addresses (it may quote the request).
func firstLine(msg string) string { return reqinfo.Brief(msg) }
