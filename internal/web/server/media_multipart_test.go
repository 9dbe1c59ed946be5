package server_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
	"github.com/broadsheet/broadsheet/internal/testkit/dbtest"
)

// TestMultipartMalformed: multipart requests that break the spec are
// refused with 400 and a message, never executed.
func TestMultipartMalformed(t *testing.T) {
	t.Parallel()
	db := dbtest.Open(t, dbconn.SQLite)
	m := newMediaServer(t, db, nil, media.Config{})
	const ops = `{"query":"mutation($file: Upload!) { uploadImage(file: $file) { image { id } } }","variables":{"file":null}}`
	png := encodePNG(t, halves(8, 8))
	type part struct{ name, value string }
	for _, tc := range []struct {
		name  string
		parts []part
		file  bool
		want  string
	}{
		{"map before operations", []part{{"map", `{"0":["variables.file"]}`}, {"operations", ops}}, true, "the first part of a multipart request must be"},
		{"no map", []part{{"operations", ops}}, false, "a multipart request needs an"},
		{"map names a missing file", []part{{"operations", ops}, {"map", `{"1":["variables.file"]}`}}, true, `does not have`},
		{"map path outside variables", []part{{"operations", ops}, {"map", `{"0":["query"]}`}}, true, "must start with variables."},
		{"map path to no variable", []part{{"operations", ops}, {"map", `{"0":["variables.other"]}`}}, true, "names no variable"},
		{"operations not JSON", []part{{"operations", "{"}, {"map", `{"0":["variables.file"]}`}}, true, "not a valid GraphQL JSON request"},
		{"batched operations", []part{{"operations", "[" + ops + "]"}, {"map", `{"0":["0.variables.file"]}`}}, true, "batched operations are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			for _, p := range tc.parts {
				mw.WriteField(p.name, p.value)
			}
			if tc.file {
				fw, _ := mw.CreateFormFile("0", "a.png")
				fw.Write(png)
			}
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, m.URL+"/graphql", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+m.Editor)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), tc.want) {
				t.Errorf("status %d %s; want 400 saying %q", resp.StatusCode, raw, tc.want)
			}
		})
	}
	if n := storedBlobs(t, m.Bucket, "originals/"); n != 0 {
		t.Errorf("%d originals stored", n)
	}
}
