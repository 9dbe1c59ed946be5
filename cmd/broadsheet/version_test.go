package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

// TestDescribe: --version says +dirty once, whether or not the module
// version (a pseudo-version when built from a checkout) carries it.
func TestDescribe(t *testing.T) {
	t.Parallel()
	const rev = "a856530f2298aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-11-28T21:31:37Z"}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"clean checkout", "v0.0.0-20261128213137-a856530f2298", vcs("false"),
			"broadsheet v0.0.0-20261128213137-a856530f2298 revision " + rev + " (2026-11-28T21:31:37Z) go1.26"},
		{"dirty checkout", "v0.0.0-20261128213137-a856530f2298+dirty", vcs("true"),
			"broadsheet v0.0.0-20261128213137-a856530f2298+dirty revision " + rev + " (2026-11-28T21:31:37Z) go1.26"},
		{"dirty, version without it", "(devel)", vcs("true"),
			"broadsheet (devel) revision " + rev + "+dirty (2026-11-28T21:31:37Z) go1.26"},
		{"no VCS stamping", "(devel)", nil,
			"broadsheet (devel) revision unknown (built without VCS information) go1.26"},
	} {
		bi := &debug.BuildInfo{GoVersion: "go1.26", Main: debug.Module{Path: "github.com/broadsheet/broadsheet", Version: tc.version}, Settings: tc.settings}
		got := describe(bi)
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if n := strings.Count(got, "+dirty"); n > 1 {
			t.Errorf("%s: +dirty %d times", tc.name, n)
		}
	}
}
