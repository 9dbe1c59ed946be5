// Package auth says who is asking: the Viewer in a request's context and the
// roles that decide what it may read and change.
package auth

import "context"

// Role is what a viewer may do. Roles are ordered: each includes the ones
// before it.
type Role int

// The roles.
const (
	Reader Role = iota // public: published content only
	Editor             // all content, drafts included, and content mutations
	Admin              // editor plus authors, categories, tokens and the audit log
)

func (r Role) String() string {
	switch r {
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
	// TokenID is the token's database id, zero for readers.
	TokenID uint64
}

// Can reports whether the viewer holds at least role r.
func (v Viewer) Can(r Role) bool { return v.Role >= r }

// SeesDrafts reports whether the viewer may see unpublished content.
func (v Viewer) SeesDrafts() bool { return v.Can(Editor) }

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
