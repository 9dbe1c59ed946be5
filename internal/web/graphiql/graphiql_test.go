package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPageUsesOnlyEmbeddedAssets: every script and style sheet the page
// loads is served from the binary, and nothing points off the server.
func TestPageUsesOnlyEmbeddedAssets(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/{$}", Page("Broadsheet GraphiQL", "/graphql"))
	mux.Handle(AssetPrefix, Assets())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, page := get("/")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	if m := regexp.MustCompile(`(?i)(src|href)="https?:`).FindString(page); m != "" {
		t.Errorf("the page loads something from another server: %s", m)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 4 {
		t.Errorf("the page loads %d assets, want 4 (React, ReactDOM, GraphiQL's script and styles): %v", len(refs), refs)
	}
	for _, r := range refs {
		path := strings.ReplaceAll(r[1], "&amp;", "&")
		if !strings.HasPrefix(path, AssetPrefix) {
			t.Errorf("asset %s is not under %s", path, AssetPrefix)
			continue
		}
		if code, body := get(path); code != 200 || len(body) < 1000 {
			t.Errorf("GET %s: %d, %d bytes", path, code, len(body))
		}
	}
	for _, lic := range []string{"LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom"} {
		if code, body := get(AssetPrefix + lic); code != 200 || !strings.Contains(body, "MIT License") {
			t.Errorf("GET %s: %d %.60q", lic, code, body)
		}
	}
	if code, _ := get(AssetPrefix); code != 404 {
		t.Errorf("GET %s (a listing): %d, want 404", AssetPrefix, code)
	}
	if !strings.Contains(Versions(), "graphiql 3.") {
		t.Errorf("Versions() = %q", Versions())
	}
}
