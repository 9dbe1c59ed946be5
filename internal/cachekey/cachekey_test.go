package cachekey

import (
	"slices"
	"testing"
)

// TestForImport: an import's summary event purges the lists and route
// answers it may have changed.
func TestForImport(t *testing.T) {
	got := ForObject("Import", 0)
	for _, k := range []string{Articles, Authors, Categories, Tags, Redirects} {
		if !slices.Contains(got, k) {
			t.Errorf("ForObject(Import) = %v, missing %s", got, k)
		}
	}
	if got := ForObject("Unknown", 1); got != nil {
		t.Errorf("ForObject(Unknown) = %v, want nothing", got)
	}
}
