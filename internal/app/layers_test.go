package app_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The layers of the tree, top to bottom. A package may import packages of
// its own layer and of the layers below it, never above. This table is the
// one place the allowed directions are written; the README's Architecture
// section draws it.
var layers = []struct {
	name string
	pkgs []string // module-relative paths; "x/..." covers x and below
}{
	{"command", []string{"cmd/..."}},
	{"app", []string{"internal/app"}},
	{"transport", []string{"graph/...", "internal/web/..."}},
	{"service", []string{"internal/content/...", "internal/related", "internal/live", "internal/newsletter/...",
		"internal/webhooks", "internal/auth", "internal/media", "internal/importer"}},
	{"storage", []string{"internal/store/...", "internal/events/...", "migrations"}},
	{"leaf", []string{"models", "internal/page", "internal/globalid", "internal/apperr", "internal/markdown",
		"internal/fulltext", "internal/cachekey", "internal/retry", "internal/ratelimit", "internal/permalink", "internal/locale",
		"internal/schemadoc/...", "internal/picture", "internal/searchindex"}},
}

// testkit holds harnesses for tests: it may import anything, and only tests
// may import it.
const testkit = "internal/testkit/..."

// Besides the order of the layers: the GraphQL layer never sees storage
// (services expose their own paging, filter and order types).
var forbidden = []struct{ from, to, why string }{
	{"graph/...", "internal/store/...", "graph must not import storage: use the service's types"},
	{"graph/...", "internal/events/...", "graph must not import storage: use the service's types"},
}

const module = "github.com/broadsheet/broadsheet"

// TestLayers reads the import graph of every package in the module (tests
// aside) and names each import that points up a layer or breaks a rule.
func TestLayers(t *testing.T) {
	graph := importGraph(t)
	if len(graph) < 20 {
		t.Fatalf("read only %d packages: is the module root right?", len(graph))
	}
	for _, problem := range checkLayers(graph) {
		t.Error(problem)
	}
}

// TestLayersCatch shows the check finds what it must, on a made-up graph.
func TestLayersCatch(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		want     string // "" for allowed
	}{
		{"graph", "internal/content", ""},
		{"internal/content", "internal/store", ""},
		{"internal/store", "models", ""},
		{"cmd/broadsheet", "internal/app", ""},
		{"internal/content", "internal/newsletter", ""}, // same layer
		{"internal/content", "graph", "service layer imports transport layer"},
		{"internal/webhooks", "internal/web/guard", "service layer imports transport layer"},
		{"internal/store", "internal/content", "storage layer imports service layer"},
		{"models", "internal/store", "leaf layer imports storage layer"},
		{"internal/web/server", "internal/app", "transport layer imports app layer"},
		{"graph/model", "internal/store", "graph must not import storage"},
		{"internal/content", "internal/testkit/dbtest", "only tests may import"},
		{"internal/newthing", "models", "belongs to no layer"},
	} {
		got := checkLayers(map[string][]string{tc.from: {tc.to}, tc.to: nil})
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s → %s: reported %q, want allowed", tc.from, tc.to, got)
		case tc.want != "" && !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tc.want) }):
			t.Errorf("%s → %s: reported %q, want %q", tc.from, tc.to, got, tc.want)
		}
	}
}

// checkLayers returns one line per broken rule in graph (package → its
// imports, module-relative).
func checkLayers(graph map[string][]string) []string {
	var problems []string
	for _, from := range sortedKeys(graph) {
		fl, ok := layerOf(from)
		if !ok && !matches(testkit, from) {
			problems = append(problems, fmt.Sprintf("%s belongs to no layer: add it to the layers table", from))
			continue
		}
		for _, to := range graph[from] {
			if matches(testkit, to) && !matches(testkit, from) {
				problems = append(problems, fmt.Sprintf("%s imports %s: only tests may import the test kit", from, to))
				continue
			}
			for _, f := range forbidden {
				if matches(f.from, from) && matches(f.to, to) {
					problems = append(problems, fmt.Sprintf("%s imports %s: %s", from, to, f.why))
				}
			}
			tl, ok := layerOf(to)
			if ok && fl >= 0 && tl < fl {
				problems = append(problems, fmt.Sprintf("%s imports %s: %s layer imports %s layer, which is above it",
					from, to, layers[fl].name, layers[tl].name))
			}
		}
	}
	return problems
}

// layerOf returns the index of pkg's layer (-1 with ok for the test kit).
func layerOf(pkg string) (int, bool) {
	if matches(testkit, pkg) {
		return -1, true
	}
	for i, l := range layers {
		for _, p := range l.pkgs {
			if matches(p, pkg) {
				return i, true
			}
		}
	}
	return 0, false
}

// matches reports whether pkg is pattern, or under it for "x/...".
func matches(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// importGraph lists the module's packages and their imports within the
// module, as go list sees them (tests left out).
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		gobin = p
	}
	cmd := exec.Command(gobin, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.Bytes())
	}
	graph := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		from := strings.TrimPrefix(fields[0], module+"/")
		graph[from] = nil
		for _, imp := range fields[1:] {
			if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
				graph[from] = append(graph[from], rel)
			} else if imp == module {
				graph[from] = append(graph[from], ".")
			}
		}
	}
	return graph
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
