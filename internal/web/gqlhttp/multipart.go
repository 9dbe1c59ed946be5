package gqlhttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// MediaMultipart is the media type of GraphQL multipart requests (file
// uploads, https://github.com/jaydenseric/graphql-multipart-request-spec).
const MediaMultipart = "multipart/form-data"

// maxFiles bounds the files of one request.
const maxFiles = 10

// readMultipart reads a GraphQL multipart request: an "operations" part
// (the usual JSON request), a "map" part naming, for each file part, the
// variable paths it goes to, then the files. Each file is read into memory
// up to maxFile+1 bytes: a larger one is handed on cut there, for the
// resolver to refuse with a user error, and the rest of it is skipped (the
// server's body limit bounds the request as a whole).
func readMultipart(r *http.Request, maxFile int64) (*wireRequest, *requestError) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("the multipart body cannot be read: " + firstLine(err.Error()))
	}
	var (
		w       wireRequest
		fileMap map[string][]string
		step    int
		files   int
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, multipartError(err)
		}
		name := part.FormName()
		switch {
		case step == 0:
			if name != "operations" {
				return nil, badRequest(`the first part of a multipart request must be "operations"`)
			}
			body, err := io.ReadAll(part)
			if err != nil {
				return nil, multipartError(err)
			}
			if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
				return nil, badRequest("batched operations are not supported: send one operation per request")
			}
			if err := decodeJSON(bytes.NewReader(body), &w); err != nil {
				return nil, badRequest("the operations part is not a valid GraphQL JSON request: " + firstLine(err.Error()))
			}
			step = 1
		case step == 1:
			if name != "map" {
				return nil, badRequest(`the second part of a multipart request must be "map"`)
			}
			if err := json.NewDecoder(part).Decode(&fileMap); err != nil {
				return nil, badRequest("the map part is not a JSON object of file names to variable paths")
			}
			step = 2
		default:
			paths, ok := fileMap[name]
			if !ok {
				continue // a part the map does not name: ignored
			}
			if files++; files > maxFiles {
				return nil, badRequest(fmt.Sprintf("at most %d files per request", maxFiles))
			}
			data, err := io.ReadAll(io.LimitReader(part, maxFile+1))
			if err == nil {
				_, err = io.Copy(io.Discard, part)
			}
			if err != nil {
				return nil, multipartError(err)
			}
			up := graphql.Upload{Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: int64(len(data))}
			for _, p := range paths {
				up.File = bytes.NewReader(data) // each use reads from the start
				if err := setVariable(w.Variables, p, up); err != nil {
					return nil, badRequest("map: " + err.Error())
				}
			}
			delete(fileMap, name)
		}
	}
	if step < 2 {
		return nil, badRequest(`a multipart request needs an "operations" part and a "map" part`)
	}
	for name := range fileMap {
		return nil, badRequest(fmt.Sprintf("the map names a file part %q that the request does not have", firstLine(name)))
	}
	return &w, nil
}

func multipartError(err error) *requestError {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &requestError{http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "request body is larger than the limit"}
	}
	return badRequest("the multipart body cannot be read: " + firstLine(err.Error()))
}

// setVariable puts v at a path such as "variables.file" or
// "variables.input.files.2", where the operations part has a null.
func setVariable(vars map[string]any, path string, v any) error {
	parts := strings.Split(path, ".")
	if len(parts) < 2 || parts[0] != "variables" {
		return fmt.Errorf("path %q must start with variables.", firstLine(path))
	}
	var cur any = vars
	for i, key := range parts[1:] {
		last := i == len(parts)-2
		switch c := cur.(type) {
		case map[string]any:
			if _, ok := c[key]; !ok {
				return fmt.Errorf("path %q names no variable", firstLine(path))
			}
			if last {
				c[key] = v
				return nil
			}
			cur = c[key]
		case []any:
			n, err := strconv.Atoi(key)
			if err != nil || n < 0 || n >= len(c) {
				return fmt.Errorf("path %q has a bad list index", firstLine(path))
			}
			if last {
				c[n] = v
				return nil
			}
			cur = c[n]
		default:
			return fmt.Errorf("path %q goes through a value that is not an object or list", firstLine(path))
		}
	}
	return nil
}
