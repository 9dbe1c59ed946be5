// Package globalid implements Relay object identification: opaque global ids
// that name a type and a row, so `node(id:)` can fetch anything by id.
package globalid

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/broadsheet/broadsheet/internal/apperr"
)

// Type names that appear inside global ids.
const (
	TypeArticle   = "Article"
	TypeAuthor    = "Author"
	TypeCategory  = "Category"
	TypeTag       = "Tag"
	TypeImage     = "Image"
	TypeLiveEntry = "LiveEntry"
	// TypeRedirect names editors' redirects (not Nodes: the id is for
	// deleteRedirect and the audit log).
	TypeRedirect = "Redirect"
)

// ID returns the global id of the row id of typ.
func ID(typ string, id uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatUint(id, 10)))
}

// Parse splits a global id into its type and row id.
func Parse(global string) (typ string, id uint64, err error) {
	bad := apperr.Invalidf("id", "invalid id %q", apperr.Clip(global, 64))
	raw, decErr := base64.RawURLEncoding.DecodeString(strings.TrimRight(global, "="))
	if decErr != nil {
		return "", 0, bad
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	if !ok || typ == "" {
		return "", 0, bad
	}
	id, convErr := strconv.ParseUint(num, 10, 64)
	if convErr != nil || id == 0 {
		return "", 0, bad
	}
	return typ, id, nil
}

// ParseAs parses a global id that must be of type want.
func ParseAs(want, global string) (uint64, error) {
	typ, id, err := Parse(global)
	if err != nil {
		return 0, err
	}
	if typ != want {
		return 0, apperr.Invalidf("id", "id %q is %s id, not %s id", apperr.Clip(global, 64), article(typ), article(want))
	}
	return id, nil
}

// article puts "a" or "an" before a type name ("an Article", "a Tag").
func article(name string) string {
	if name != "" && strings.ContainsRune("AEIOUaeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}
