// Command gen runs gqlgen (gqlgen.yml at the module root) with one plugin:
// the fields of the objects listed in inline resolve one after the other
// on the goroutine marshalling the object, instead of a goroutine per
// resolver field (go generate ./graph runs it).
//
// Why: an uncached homepage resolves 20 articles, each with its byline,
// section and tags. Those come primed from the look-ahead (graph/lookahead.go)
// and resolve without waiting, so a goroutine per field bought nothing and
// cost a goroutine start and its stack growth each (issue 18's profile:
// runtime.newstack and copystack about 10% of the server's CPU). Items of
// lists still resolve concurrently (gqlgen's MarshalSliceConcurrently), so
// the per-request loaders still collect a whole page's keys in one batch;
// only the fields within one object wait for each other.
package main

import (
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// inline names the objects whose fields resolve in line.
var inline = map[string]bool{"Article": true, "Author": true, "Category": true, "Tag": true}

// inlineFields is the plugin.
type inlineFields struct{}

func (inlineFields) Name() string { return "inlinefields" }

// GenerateCode runs before gqlgen writes the executable schema: it marks
// the objects of inline so that their fields are not dispatched to
// goroutines.
func (inlineFields) GenerateCode(data *codegen.Data) error {
	found := 0
	for _, o := range data.Objects {
		if inline[o.Name] {
			o.DisableConcurrency = true
			found++
		}
	}
	if found != len(inline) {
		return fmt.Errorf("inlinefields: found %d of the %d objects %v in the schema", found, len(inline), inline)
	}
	return nil
}

func main() {
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: load gqlgen config:", err)
		os.Exit(2)
	}
	if err := api.Generate(cfg, api.AddPlugin(inlineFields{})); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(3)
	}
}
