// Package hostile builds the documents an attacker sends to make a GraphQL
// server work hard for a few bytes, for the guards' unit tests and the
// handler's regression tests alike.
package hostile

import (
	"fmt"
	"strings"
)

// FanOut is a document whose fragment Fi, on type on, selects shared and
// spreads F(i+1) twice, n levels deep, the last fragment selecting leaf:
// a few hundred bytes that, expanded spread by spread, are 2^n copies of
// the last one. On "Query" the operation spreads F0 at its root; on any
// other type, on the nodes of an article list.
func FanOut(n int, on, shared, leaf string) string {
	var b strings.Builder
	if on == "Query" {
		b.WriteString("query { ...F0 }\n")
	} else {
		b.WriteString("query { articles(first: 1) { nodes { ...F0 } } }\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on %s { %s ...F%d ...F%d }\n", i, on, shared, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", n, on, leaf)
	return b.String()
}

// Repeated selects fields in turn, n in all, on one article: fields that
// share a response key are pairs validation compares (and, when they
// differ, reports) one by one.
func Repeated(n int, fields ...string) string {
	var b strings.Builder
	b.WriteString("{ articles(first: 1) { nodes { ")
	for i := range n {
		b.WriteString(fields[i%len(fields)])
		b.WriteByte(' ')
	}
	b.WriteString("} } }")
	return b.String()
}
