package schemadoc_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/broadsheet/broadsheet/graph"
	"github.com/broadsheet/broadsheet/internal/schemadoc"
)

func TestRewrite(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"one line",
			"type Query {\n  \"Every hook.\"\n  hooks: [String!]! @hasRole(role: ADMIN)\n}\n",
			"type Query {\n  \"Every hook. Needs role: ADMIN.\"\n  hooks: [String!]! @hasRole(role: ADMIN)\n}\n"},
		{"role changed",
			"type Query {\n  \"Every hook. Needs role: EDITOR.\"\n  hooks: [String!]! @hasRole(role: ADMIN)\n}\n",
			"type Query {\n  \"Every hook. Needs role: ADMIN.\"\n  hooks: [String!]! @hasRole(role: ADMIN)\n}\n"},
		{"never gated: untouched",
			"type Query {\n  \"Every hook.\"\n  hooks: [String!]!\n}\n",
			"type Query {\n  \"Every hook.\"\n  hooks: [String!]!\n}\n"},
		{"directive removed: the stale sentence goes",
			"type Query {\n  \"Every hook. Needs role: ADMIN.\"\n  hooks: [String!]!\n}\n",
			"type Query {\n  \"Every hook.\"\n  hooks: [String!]!\n}\n"},
		{"directive removed from a block, sentence on the last line",
			"type Query {\n  \"\"\"\n  Many words.\n  More. Needs role: EDITOR.\n  \"\"\"\n  x(a: Int): Int\n}\n",
			"type Query {\n  \"\"\"\n  Many words.\n  More.\n  \"\"\"\n  x(a: Int): Int\n}\n"},
		{"directive removed from a block, sentence on a line of its own",
			"type Query {\n  \"\"\"\n  " + strings.Repeat("word ", 13) + "end.\n  Needs role: EDITOR.\n  \"\"\"\n  x: Int\n}\n",
			"type Query {\n  \"\"\"\n  " + strings.Repeat("word ", 13) + "end.\n  \"\"\"\n  x: Int\n}\n"},
		{"block, short last line",
			"type Query {\n  \"\"\"\n  Many words.\n  More.\n  \"\"\"\n  x(a: Int): Int @hasRole(role: EDITOR)\n}\n",
			"type Query {\n  \"\"\"\n  Many words.\n  More. Needs role: EDITOR.\n  \"\"\"\n  x(a: Int): Int @hasRole(role: EDITOR)\n}\n"},
		{"block, long last line",
			"type Query {\n  \"\"\"\n  " + strings.Repeat("word ", 13) + "end.\n  \"\"\"\n  x: Int @hasRole(role: EDITOR)\n}\n",
			"type Query {\n  \"\"\"\n  " + strings.Repeat("word ", 13) + "end.\n  Needs role: EDITOR.\n  \"\"\"\n  x: Int @hasRole(role: EDITOR)\n}\n"},
		{"ungated fields untouched, arguments with descriptions",
			"type Query {\n  \"A.\"\n  a: Int\n  \"B.\"\n  b(\"The id.\" id: ID!): Int @hasRole(role: ADMIN)\n}\n",
			"type Query {\n  \"A.\"\n  a: Int\n  \"B. Needs role: ADMIN.\"\n  b(\"The id.\" id: ID!): Int @hasRole(role: ADMIN)\n}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := schemadoc.Rewrite(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			again, _ := schemadoc.Rewrite(got)
			if again != got {
				t.Errorf("not idempotent:\n%s", again)
			}
		})
	}
	if _, err := schemadoc.Rewrite("type Query {\n  x: Int @hasRole(role: EDITOR)\n}\n"); err == nil {
		t.Error("a gated field without a description: no error")
	}
}

// TestGeneratedFilesAreCurrent fails when schema.graphql, the README's
// table or the schema compiled into the server drifts from @hasRole: run
// go generate ./graph.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	src, err := os.ReadFile("../../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := schemadoc.Rewrite(string(src)); err != nil {
		t.Fatal(err)
	} else if got != string(src) {
		t.Error("schema.graphql: a role-gated field's description does not end with its role; run go generate ./graph")
	}
	gated, err := schemadoc.Fields(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(gated) < 20 {
		t.Fatalf("only %d gated fields found", len(gated))
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := schemadoc.RewriteReadme(string(readme), gated); err != nil {
		t.Fatal(err)
	} else if got != string(readme) {
		t.Error("README.md: the permissions table is stale; run go generate ./graph")
	}

	// What the running server serves (introspection, GraphiQL's docs).
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	want := map[string]string{}
	for _, g := range gated {
		want[g.Name()] = g.Role
	}
	for _, typ := range schema.Types {
		for _, f := range typ.Fields {
			name := typ.Name + "." + f.Name
			role, isGated := want[name]
			switch {
			case isGated && !strings.HasSuffix(f.Description, schemadoc.Suffix(role)):
				t.Errorf("%s: served description %q does not end with %q; run go generate ./graph", name, f.Description, schemadoc.Suffix(role))
			case !isGated && strings.Contains(f.Description, "Needs role:"):
				t.Errorf("%s: not role-gated, but its description says %q", name, f.Description)
			}
			delete(want, name)
		}
	}
	for name := range want {
		t.Errorf("%s is gated in schema.graphql but not served", name)
	}
}

// TestDescriptionsSaySection: messages and the README call a Category a
// section; so do the schema's descriptions (type and field names stay, and
// so do event names like category.created).
func TestDescriptionsSaySection(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{}}).Schema()
	word := regexp.MustCompile(`\bcategor(y|ies)\b([^.]|$)`)
	check := func(where, desc string) {
		if word.MatchString(desc) {
			t.Errorf("%s: description says category, not section: %q", where, desc)
		}
	}
	for _, typ := range schema.Types {
		if typ.BuiltIn {
			continue
		}
		check(typ.Name, typ.Description)
		for _, f := range typ.Fields {
			check(typ.Name+"."+f.Name, f.Description)
			for _, a := range f.Arguments {
				check(typ.Name+"."+f.Name+"("+a.Name+")", a.Description)
			}
		}
		for _, v := range typ.EnumValues {
			check(typ.Name+"."+v.Name, v.Description)
		}
	}
}

// TestRolesInOrder: the table lists CONTRIBUTOR fields first, then EDITOR,
// then ADMIN, each with who holds the role.
func TestRolesInOrder(t *testing.T) {
	src := "type Query {\n  \"A.\"\n  a: Int @hasRole(role: ADMIN)\n  \"E.\"\n  e: Int @hasRole(role: EDITOR)\n  \"C.\"\n  c: Int @hasRole(role: CONTRIBUTOR)\n}\n"
	gated, err := schemadoc.Fields(src)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, g := range gated {
		order = append(order, g.Role)
	}
	if strings.Join(order, ",") != "CONTRIBUTOR,EDITOR,ADMIN" {
		t.Errorf("order %v, want CONTRIBUTOR, EDITOR, ADMIN", order)
	}
	table := schemadoc.Table(gated)
	for _, want := range []string{"| `Query.c` | CONTRIBUTOR (a contributor's, editor's or admin's token", "| `Query.e` | EDITOR (an editor's or admin's token) |", "| `Query.a` | ADMIN (an admin's token) |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}
