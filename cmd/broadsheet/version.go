package main

import "runtime/debug"

// version describes this build from the information the Go toolchain
// records: the module version (with VCS stamping, a pseudo-version such as
// v0.0.0-20261128213137-a856530f2298 for a build from a checkout), the VCS
// revision and time, and "+dirty" once when the tree had uncommitted changes.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "broadsheet (no build information)"
	}
	return describe(bi)
}
