// Package auth says who is asking: the Viewer in a request's context and the
// roles that decide what it may read and change.
package auth

import "context"

// Role is what a viewer may do. Roles are ordered: each includes the ones
// before it.
type Role int

// The roles.
const (
	Reader      Role = iota // public: published content only
	Contributor             // reads drafts; writes and submits for review only its own articles
	Editor                  // all content, drafts included, and content mutations
	Admin                   // editor plus authors, categories, tokens and the audit log
)

func (r Role) String() string {
	switch r {
	case Contributor:
		return "contributor"
	case Editor:
		return "editor"
	case Admin:
		return "admin"
	default:
		return "reader"
	}
}

// Viewer is the caller of a request.
type Viewer struct {
	Role Role
	// TokenName names the API token used, empty for readers.
	TokenName string
	// TokenID is the token's database id, zero for readers and single
	// sign-on.
	TokenID uint64
	// AccountID is the person acting (accounts table); zero for readers
	// and for tokens that belong to no account.
	AccountID uint64
	// AuthorID is the byline of that person, when the account has one.
	AuthorID uint64
}

// Can reports whether the viewer holds at least role r.
func (v Viewer) Can(r Role) bool { return v.Role >= r }

// SeesDrafts reports whether the viewer may see unpublished content:
// contributors, editors and admins. Contributors read the newsroom's drafts
// like editors (to work on shared bylines); what they may change is the
// content service's ownership rule.
func (v Viewer) SeesDrafts() bool { return v.Can(Contributor) }

// Authenticated reports whether the viewer presented a credential (an API
// token or a single sign-on token), as opposed to an anonymous reader.
func (v Viewer) Authenticated() bool { return v.TokenName != "" }

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer in ctx; a context without one is a reader.
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the client's network address (the
// host part of the connection's remote address), for per-client limits.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddrFrom returns the client address in ctx, or "".
func ClientAddrFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}
