// Command gen runs gqlgen (gqlgen.yml at the module root) with one plugin
// and one rewrite (go generate ./graph runs it):
//
//   - the fields of the objects listed in inline resolve one after the
//     other on the goroutine marshalling the object, instead of a goroutine
//     per resolver field;
//   - the lists of the objects listed in inlineLists marshal their items one
//     after the other (graph.marshalSliceInline) instead of a goroutine per
//     item: gqlgen has no setting for either, so the plugin sets its own
//     DisableConcurrency on the objects, and the lists' calls are rewritten
//     in the generated file. The rewrite fails loudly when it finds nothing
//     to rewrite (a gqlgen upgrade that changed the generated code).
//
// Why: an uncached homepage resolves 20 articles, each with its byline,
// section and tags. Those come primed from the look-ahead (graph/lookahead.go)
// and resolve without waiting, so a goroutine per field bought nothing and
// cost a goroutine start and its stack growth each (issue 18's profile:
// runtime.newstack and copystack about 10% of the server's CPU), and so did
// a goroutine per tag. Items of article lists still resolve concurrently
// (gqlgen's MarshalSliceConcurrently), so the per-request loaders still
// collect a whole page's keys in one batch; only the fields within one
// article wait for each other.
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// inline names the objects whose fields resolve in line.
var inline = map[string]bool{"Article": true, "Author": true, "Category": true, "Tag": true}

// inlineLists names the objects whose lists marshal their items in line:
// objects whose fields resolve in line and never wait on a loader batch
// that their siblings fill (an article's tags and byline, sections).
// Article lists keep a goroutine per item, so that the loaders of fields
// not primed by the look-ahead still collect a whole page's keys at once.
var inlineLists = []string{"Author", "Category", "Tag"}

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
	if err := rewriteLists(cfg.Exec.Filename); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(4)
	}
}

// sliceCall is gqlgen's call in a list's marshaller; its worker limit is
// dropped, the panic-handler flag kept.
var sliceCall = regexp.MustCompile(`graphql\.MarshalSliceConcurrently\(ctx, len\(v\), \d+, (true|false), func\(`)

// rewriteLists replaces MarshalSliceConcurrently with marshalSliceInline
// in the marshallers of lists of inlineLists' objects.
func rewriteLists(filename string) error {
	b, err := os.ReadFile(filename)
	if err != nil {
		return err
	}
	src := string(b)
	for _, obj := range inlineLists {
		// marshalNTag2ᚕᚖ…ᚐTagᚄ, marshalOTag2ᚕᚖ…ᚐTagᚄ: lists of *Tag.
		fn := regexp.MustCompile(`(?s)\nfunc \(ec \*executionContext\) marshal[NO]` + obj + `2ᚕᚖ[^(]*ᚐ` + obj + `ᚄ\(.*?\n}\n`)
		found := 0
		src = fn.ReplaceAllStringFunc(src, func(body string) string {
			if strings.Contains(body, "MarshalSliceConcurrently") {
				found++
			}
			return sliceCall.ReplaceAllString(body, "marshalSliceInline(ctx, len(v), $1, func(")
		})
		if found == 0 {
			return fmt.Errorf("rewrite lists: no list of %s marshalled with MarshalSliceConcurrently in %s", obj, filename)
		}
	}
	return os.WriteFile(filename, []byte(src), 0o644)
}
