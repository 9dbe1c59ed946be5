// Command gen rewrites schema.graphql's role-gated field descriptions and
// the README's permissions table from the @hasRole directive. Run by
// go generate ./graph, before gqlgen.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/broadsheet/broadsheet/internal/schemadoc"
)

func main() {
	schema := flag.String("schema", "schema.graphql", "the schema file to rewrite")
	readme := flag.String("readme", "README.md", "the README whose permissions table to rewrite")
	flag.Parse()
	if err := run(*schema, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "schemadoc:", err)
		os.Exit(1)
	}
}

func run(schemaPath, readmePath string) error {
	src, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	out, err := schemadoc.Rewrite(string(src))
	if err != nil {
		return err
	}
	if err := writeIfChanged(schemaPath, string(src), out); err != nil {
		return err
	}
	gated, err := schemadoc.Fields(out)
	if err != nil {
		return err
	}
	rd, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	newReadme, err := schemadoc.RewriteReadme(string(rd), gated)
	if err != nil {
		return err
	}
	return writeIfChanged(readmePath, string(rd), newReadme)
}

func writeIfChanged(path, old, updated string) error {
	if old == updated {
		return nil
	}
	return os.WriteFile(path, []byte(updated), 0o644)
}
