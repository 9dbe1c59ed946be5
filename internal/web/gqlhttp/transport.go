// Package gqlhttp is Broadsheet's GraphQL-over-HTTP transport. It follows
// the GraphQL-over-HTTP specification including its SHOULDs — GET for
// queries only, POST with application/json, Accept negotiation between
// application/json and application/graphql-response+json with the status
// codes each asks for, and no data entry when a request is refused before
// execution — and it is where HTTP caching happens: Cache-Control, ETag
// and 304, surrogate keys, and the server-side response cache for readers.
package gqlhttp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/broadsheet/broadsheet/graph/respbuf"
	"github.com/broadsheet/broadsheet/internal/apperr"
	"github.com/broadsheet/broadsheet/internal/web/httpcache"
	"github.com/broadsheet/broadsheet/internal/web/reqinfo"
)

// Options configure the transport.
type Options struct {
	// Public reports whether a request may share answers with others: a
	// reader without credentials. Only public answers are cached.
	Public func(r *http.Request) bool
	// Cache is the server-side response cache; nil disables it.
	Cache *httpcache.Store
	// Policy sets Cache-Control for public GET answers.
	Policy httpcache.Policy
	// Ready, when set, is asked before an operation executes; an error
	// refuses it with UNAVAILABLE (HTTP 503) without touching the database.
	Ready func(ctx context.Context) error
	// MaxUploadBytes, when positive, accepts GraphQL multipart requests
	// (file uploads) with files of up to that many bytes; larger ones are
	// handed to resolvers cut at one byte more, for them to refuse. The
	// server decides who may send one and bounds the body as a whole.
	MaxUploadBytes int64
}

// Transport implements graphql.Transport for GET and POST.
type Transport struct {
	opts         Options
	publicPolicy string // Cache-Control of public GET answers
}

// New returns the transport.
func New(opts Options) *Transport {
	if opts.Public == nil {
		opts.Public = func(*http.Request) bool { return false }
	}
	return &Transport{opts: opts, publicPolicy: opts.Policy.Public()}
}

var _ graphql.Transport = (*Transport)(nil)

// Supports claims every request: methods other than GET and POST get a 405
// from Do rather than gqlgen's generic "transport not supported".
func (t *Transport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

// Do serves one request.
func (t *Transport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	info := reqinfo.From(ctx)
	h := w.Header()
	h.Add("Vary", "Accept, Authorization") // added to, not set: CORS adds Origin

	switch r.Method {
	case http.MethodGet, http.MethodPost:
	case http.MethodOptions:
		h.Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, POST, OPTIONS")
		t.refuse(ctx, w, exec, MediaJSON, &requestError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GraphQL is served over GET (queries) and POST"})
		return
	}
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		t.refuse(ctx, w, exec, MediaJSON, &requestError{http.StatusNotAcceptable, "NOT_ACCEPTABLE", "the response can be application/graphql-response+json or application/json; the Accept header allows neither"})
		return
	}
	params, rerr := readParams(r, t.opts.MaxUploadBytes)
	if rerr != nil {
		t.refuse(ctx, w, exec, media, rerr)
		return
	}

	public := t.opts.Public(r)
	var (
		cacheKey httpcache.Key
		epoch    uint64
		useCache = public && t.opts.Cache != nil
	)
	info.Cache = reqinfo.CacheBypass
	if useCache {
		cacheKey, useCache = t.key(params)
	}
	if useCache {
		if e, ok := t.opts.Cache.Get(cacheKey); ok {
			info.Cache = reqinfo.CacheHit
			info.Outcome = reqinfo.OutcomeOK
			info.Operation, info.OperationType = e.Operation, "query"
			t.writePublic(w, r, media, e)
			return
		}
		info.Cache = reqinfo.CacheMiss
		epoch = t.opts.Cache.Epoch()
	}
	ctx, private := httpcache.WithPrivate(ctx)
	var keys *httpcache.Keys
	if public {
		keys = httpcache.NewKeys()
		ctx = httpcache.WithKeys(ctx, keys)
	}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if r.Method == http.MethodGet && !isQuery(params) {
			h.Set("Allow", "POST")
			t.refuse(ctx, w, exec, media, &requestError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "only queries may be sent with GET; send mutations with POST"})
			return
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		t.write(w, media, requestErrorStatus(media, resp.Errors), httpcache.NoStore, resp, info)
		return
	}
	op := opCtx.Operation
	info.Operation, info.OperationType = operationName(opCtx), string(op.Operation)
	if r.Method == http.MethodGet && op.Operation != ast.Query {
		h.Set("Allow", "POST")
		t.refuse(ctx, w, exec, media, &requestError{http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "only queries may be sent with GET; send mutations with POST"})
		return
	}
	if t.opts.Ready != nil {
		if err := t.opts.Ready(ctx); err != nil {
			t.refuse(ctx, w, exec, media, &requestError{http.StatusServiceUnavailable, "UNAVAILABLE", "the database is unreachable; try again shortly"})
			return
		}
	}

	// The answer's data is written into a lent buffer (respbuf), taken
	// back when this returns: by then the data has been copied into the
	// body written out (and cached), and nothing else holds it.
	ctx, release := respbuf.Lend(ctx)
	defer release()
	handler, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := handler(ctx)
	if resp == nil { // the request's context ended before execution began
		code, msg := string(apperr.Unavailable), "the request was cancelled"
		if ctx.Err() == context.DeadlineExceeded {
			code, msg = string(apperr.Timeout), "the request took too long"
		}
		t.refuse(ctx, w, exec, media, &requestError{http.StatusServiceUnavailable, code, msg})
		return
	}
	if resp.Data == nil { // refused before it executed (its deadline passed waiting for its turn)
		t.write(w, media, requestErrorStatus(media, resp.Errors), httpcache.NoStore, resp, info)
		return
	}
	shareable := public && op.Operation == ast.Query && len(resp.Errors) == 0 && !private()
	if !shareable {
		cc := httpcache.NoStore
		if !public || op.Operation != ast.Query || private() {
			cc = httpcache.PrivateNoStore
		}
		t.write(w, media, http.StatusOK, cc, resp, info)
		return
	}
	body := encode(resp)
	entry := &httpcache.Entry{Body: body, ETag: httpcache.ETag(body), Keys: keys.List(), Operation: info.Operation, Until: keys.Deadline()}
	entry.SurrogateKey, entry.CacheTag = httpcache.Header(entry.Keys)
	if cc := keys.CacheControl(t.opts.Policy); cc != t.publicPolicy {
		entry.CacheControl = cc
	}
	if useCache {
		t.opts.Cache.Put(cacheKey, entry, epoch)
	}
	info.Outcome = reqinfo.OutcomeOK
	t.writePublic(w, r, media, entry)
}

// key is the response-cache key: the document by its SHA-256 (so that a
// persisted query and its full text share an entry), the operation and the
// variables. Only readers' answers are cached, so the viewer is the same.
// A request whose text and hash disagree is not looked up: the executor
// refuses it.
func (t *Transport) key(p *graphql.RawParams) (httpcache.Key, bool) {
	var hash string
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		hash, _ = pq["sha256Hash"].(string)
		hash = strings.ToLower(hash)
	}
	if p.Query != "" {
		sum := sha256.Sum256([]byte(p.Query))
		text := hex.EncodeToString(sum[:])
		if hash != "" && hash != text {
			return httpcache.Key{}, false
		}
		hash = text
	}
	if hash == "" {
		return httpcache.Key{}, false
	}
	vars := ""
	if len(p.Variables) > 0 {
		b, _ := json.Marshal(p.Variables) // map keys are sorted: canonical
		vars = string(b)
	}
	return httpcache.MakeKey("reader", hash, p.OperationName, vars), true
}

// writePublic writes a reader's shareable answer: cacheable by CDNs when it
// came by GET, with an ETag honoured by If-None-Match either way.
func (t *Transport) writePublic(w http.ResponseWriter, r *http.Request, media string, e *httpcache.Entry) {
	h := w.Header()
	h.Set("Content-Type", contentType(media))
	h.Set("ETag", e.ETag)
	if r.Method == http.MethodGet {
		cc := t.publicPolicy
		switch {
		case e.CacheControl != "":
			cc = e.CacheControl // live blogs' own, a few seconds
		case !e.Until.IsZero():
			// An article in the answer is taken down at Until: no cache
			// may keep the answer past it.
			cc = t.opts.Policy.Until(e.Until)
		}
		h.Set("Cache-Control", cc)
		if e.SurrogateKey != "" {
			h.Set("Surrogate-Key", e.SurrogateKey)
			h.Set("Cache-Tag", e.CacheTag)
		}
	} else {
		h.Set("Cache-Control", httpcache.NoStore)
	}
	if httpcache.NotModified(r.Header.Get("If-None-Match"), e.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(e.Body)))
	w.WriteHeader(http.StatusOK)
	w.Write(e.Body)
}

func contentType(media string) string {
	if media == MediaGraphQLResponse {
		return MediaGraphQLResponse + "; charset=utf-8"
	}
	return MediaJSON + "; charset=utf-8"
}

// refuse answers a request error raised by the transport itself, through
// the executor so the error presenter sees it like any other.
func (t *Transport) refuse(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, media string, e *requestError) {
	err := &gqlerror.Error{Message: e.msg, Extensions: map[string]any{"code": e.code}}
	resp := exec.DispatchError(ctx, gqlerror.List{err})
	t.write(w, media, e.status, httpcache.NoStore, resp, reqinfo.From(ctx))
}

// write sends resp with status; the data entry is left out when the
// request never executed.
func (t *Transport) write(w http.ResponseWriter, media string, status int, cacheControl string, resp *graphql.Response, info *reqinfo.Info) {
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		info.AddCode(code)
	}
	switch {
	case resp.Data == nil:
		info.Outcome = reqinfo.OutcomeRequestError
	case len(resp.Errors) > 0:
		info.Outcome = reqinfo.OutcomeFieldErrors
	default:
		info.Outcome = reqinfo.OutcomeOK
	}
	body := encode(resp)
	h := w.Header()
	h.Set("Content-Type", contentType(media))
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// encode writes a response, errors first, without a data entry when there
// is no data (a request error) and without re-validating the data, which
// gqlgen has already produced as JSON.
func encode(resp *graphql.Response) []byte {
	var b bytes.Buffer
	b.Grow(len(resp.Data) + 64)
	b.WriteByte('{')
	sep := false
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			errs = []byte(`[{"message":"internal error","extensions":{"code":"INTERNAL"}}]`)
		}
		b.WriteString(`"errors":`)
		b.Write(errs)
		sep = true
	}
	if resp.Data != nil {
		if sep {
			b.WriteByte(',')
		}
		b.WriteString(`"data":`)
		b.Write(resp.Data)
		sep = true
	}
	if len(resp.Extensions) > 0 {
		if ext, err := json.Marshal(resp.Extensions); err == nil {
			if sep {
				b.WriteByte(',')
			}
			b.WriteString(`"extensions":`)
			b.Write(ext)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// requestErrorStatus is the status of a response without data: 200 for
// application/json (the specification's SHOULD for well-formed requests),
// 400 for application/graphql-response+json, and the code's own status
// where it has one (an unreachable database is our fault, not the client's).
func requestErrorStatus(media string, errs gqlerror.List) int {
	for _, e := range errs {
		switch e.Extensions["code"] {
		case "UNAVAILABLE", "TIMEOUT":
			return http.StatusServiceUnavailable
		case "INTERNAL":
			return http.StatusInternalServerError
		}
	}
	if media == MediaGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// isQuery reports whether the operation a request selects is a query; a
// document that does not parse counts as one (it is refused anyway).
func isQuery(p *graphql.RawParams) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: p.Query})
	if err != nil {
		return true
	}
	op := doc.Operations.ForName(p.OperationName)
	return op == nil || op.Operation == ast.Query
}

// operationName is the name of the operation being run ("" if anonymous).
func operationName(opCtx *graphql.OperationContext) string {
	if opCtx.OperationName != "" {
		return opCtx.OperationName
	}
	if opCtx.Operation != nil {
		return opCtx.Operation.Name
	}
	return ""
}
