// Package schemadoc keeps what the schema says about permissions in step
// with the @hasRole directive: every role-gated field's description ends
// with the role it needs, and the README's permissions table lists them.
// Both are generated (go generate ./graph), never typed by hand.
package schemadoc

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Directive is the directive that gates fields by role.
const Directive = "hasRole"

// Suffix is the sentence a gated field's description ends with.
func Suffix(role string) string { return "Needs role: " + role + "." }

var suffixRe = regexp.MustCompile(`\s*Needs role: [A-Z]+\.(\s*)$`)

// Gated is one role-gated field.
type Gated struct {
	Type, Field, Role string
}

// Name is the field's coordinate, e.g. Query.auditLog.
func (g Gated) Name() string { return g.Type + "." + g.Field }

// Fields lists the role-gated fields of a schema source, sorted by role
// (CONTRIBUTOR first, then EDITOR, then ADMIN), then type and field.
func Fields(src string) ([]Gated, error) {
	_, gated, err := parse(src)
	if err != nil {
		return nil, err
	}
	out := make([]Gated, len(gated))
	for i, g := range gated {
		out[i] = g.Gated
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Role != b.Role {
			return roleRank(a.Role) < roleRank(b.Role)
		}
		if a.Type != b.Type {
			return typeRank(a.Type) < typeRank(b.Type) || (typeRank(a.Type) == typeRank(b.Type) && a.Type < b.Type)
		}
		return a.Field < b.Field
	})
	return out, nil
}

func roleRank(r string) int {
	switch r {
	case "CONTRIBUTOR":
		return 0
	case "EDITOR":
		return 1
	case "ADMIN":
		return 2
	}
	return 3
}

func typeRank(t string) int {
	switch t {
	case "Query":
		return 0
	case "Mutation":
		return 1
	case "Subscription":
		return 2
	}
	return 3
}

type located struct {
	Gated
	start int // rune offset of the field definition (its name)
}

func parse(src string) (*ast.SchemaDocument, []located, error) {
	doc, gated, _, err := parseAll(src)
	return doc, gated, err
}

// parseAll also returns the ungated fields whose description still ends
// with a role sentence (the directive was removed): Rewrite strips it.
func parseAll(src string) (*ast.SchemaDocument, []located, []located, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: "schema.graphql", Input: src})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse schema: %w", err)
	}
	var gated, stale []located
	defs := append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...)
	for _, d := range defs {
		for _, f := range d.Fields {
			dir := f.Directives.ForName(Directive)
			if dir == nil {
				if suffixRe.MatchString(f.Description) {
					stale = append(stale, located{Gated{Type: d.Name, Field: f.Name}, f.Position.Start})
				}
				continue
			}
			arg := dir.Arguments.ForName("role")
			if arg == nil || arg.Value == nil {
				return nil, nil, nil, fmt.Errorf("%s.%s: @%s without a role", d.Name, f.Name, Directive)
			}
			gated = append(gated, located{Gated{d.Name, f.Name, arg.Value.Raw}, f.Position.Start})
		}
	}
	return doc, gated, stale, nil
}

// Rewrite returns src with every role-gated field's description ending in
// Suffix(role), replacing an earlier suffix, and the suffix removed from
// fields no longer gated; everything else is unchanged.
func Rewrite(src string) (string, error) {
	_, gated, stale, err := parseAll(src)
	if err != nil {
		return "", err
	}
	rs := []rune(src)
	all := append(gated, stale...) // a stale field has no Role
	// From the end, so earlier offsets stay valid.
	sort.Slice(all, func(i, j int) bool { return all[i].start > all[j].start })
	for _, g := range all {
		start, end, block, ok := description(rs, g.start)
		if !ok {
			if g.Role == "" {
				continue // the parser saw a description this cannot place: leave it
			}
			return "", fmt.Errorf("%s: a role-gated field needs a description", g.Name())
		}
		inner := string(rs[start:end])
		var repl string
		switch {
		case g.Role == "" && block:
			repl = stripBlock(inner)
		case g.Role == "":
			repl = strings.TrimSpace(suffixRe.ReplaceAllString(inner, ""))
		case block:
			repl = rewriteBlock(inner, Suffix(g.Role))
		default:
			repl = strings.TrimSpace(suffixRe.ReplaceAllString(inner, "")) + " " + Suffix(g.Role)
		}
		rs = append(rs[:start], append([]rune(repl), rs[end:]...)...)
	}
	return string(rs), nil
}

// description finds the description before the field name at offset at:
// the runes between its quotes.
func description(rs []rune, at int) (start, end int, block, ok bool) {
	has := func(i int, s string) bool {
		return i >= 0 && i+len(s) <= len(rs) && string(rs[i:i+len(s)]) == s
	}
	i := at - 1
	for i >= 0 && (rs[i] == ' ' || rs[i] == '\t' || rs[i] == '\n' || rs[i] == '\r' || rs[i] == ',') {
		i--
	}
	if i < 0 || rs[i] != '"' {
		return 0, 0, false, false
	}
	if has(i-2, `"""`) {
		end = i - 2
		for j := end - 1; j >= 2; j-- {
			if has(j-2, `"""`) && !has(j-3, `\"""`) {
				return j + 1, end, true, true
			}
		}
		return 0, 0, false, false
	}
	end = i
	for j := end - 1; j >= 0 && rs[j] != '\n'; j-- {
		if rs[j] == '"' && (j == 0 || rs[j-1] != '\\') {
			return j + 1, end, false, true
		}
	}
	return 0, 0, false, false
}

// stripBlock removes the role sentence from a block string's text, keeping
// the closing quotes where they were.
func stripBlock(inner string) string {
	tail := ""
	if i := strings.LastIndex(inner, "\n"); i >= 0 && strings.TrimSpace(inner[i:]) == "" {
		tail = inner[i:]
	}
	return strings.TrimRight(suffixRe.ReplaceAllString(inner, ""), " \t\n") + tail
}

// rewriteBlock appends suffix to a block string's text, on its last line
// when that stays short, else on a line of its own.
func rewriteBlock(inner, suffix string) string {
	// The closing quotes' indentation is whatever follows the last newline.
	tail := ""
	if i := strings.LastIndex(inner, "\n"); i >= 0 && strings.TrimSpace(inner[i:]) == "" {
		tail = inner[i:]
	}
	text := strings.TrimRight(suffixRe.ReplaceAllString(inner, ""), " \t\n")
	indent := strings.TrimPrefix(tail, "\n")
	last := text[strings.LastIndex(text, "\n")+1:]
	if len([]rune(last))+1+len(suffix) <= 76 {
		return text + " " + suffix + tail
	}
	return text + "\n" + indent + suffix + tail
}

// Table markers in the README.
const (
	TableBegin = "<!-- BEGIN roles: generated from schema.graphql's @hasRole by go generate ./graph; do not edit -->"
	TableEnd   = "<!-- END roles -->"
)

// Table is the README's permissions table for the gated fields.
func Table(gated []Gated) string {
	var b strings.Builder
	b.WriteString("| field | needs role |\n|---|---|\n")
	for _, g := range gated {
		who := Who(g.Role)
		fmt.Fprintf(&b, "| `%s` | %s |\n", g.Name(), who)
	}
	return b.String()
}

// Who is the table's cell for a role: the role and the tokens that hold it.
func Who(role string) string {
	switch role {
	case "CONTRIBUTOR":
		return "CONTRIBUTOR (a contributor's, editor's or admin's token; a contributor only on its own drafts, and on its own entries of live blogs that let contributors post)"
	case "EDITOR":
		return "EDITOR (an editor's or admin's token)"
	case "ADMIN":
		return "ADMIN (an admin's token)"
	}
	return role
}

// RewriteReadme replaces the table between the markers.
func RewriteReadme(readme string, gated []Gated) (string, error) {
	i := strings.Index(readme, TableBegin)
	j := strings.Index(readme, TableEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("README: no %q … %q markers", TableBegin, TableEnd)
	}
	return readme[:i+len(TableBegin)] + "\n\n" + Table(gated) + "\n" + readme[j:], nil
}
