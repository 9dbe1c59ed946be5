package gqlhttp

import "testing"

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept, want string
		ok           bool
	}{
		{"", MediaJSON, true},
		{"*/*", MediaJSON, true},
		{"application/*", MediaJSON, true},
		{"application/json", MediaJSON, true},
		{"application/graphql-response+json", MediaGraphQLResponse, true},
		{"application/graphql-response+json, application/json;q=0.9", MediaGraphQLResponse, true},
		{"application/json;q=0.9, application/graphql-response+json", MediaGraphQLResponse, true},
		{"application/graphql-response+json;q=0, application/json", MediaJSON, true},
		{"text/html", "", false},
		{"text/html, */*;q=0.1", MediaJSON, true},
	} {
		got, ok := negotiate(tc.accept)
		if got != tc.want || ok != tc.ok {
			t.Errorf("negotiate(%q) = %q %v, want %q %v", tc.accept, got, ok, tc.want, tc.ok)
		}
	}
}
