package main

import (
	"flag"
	"fmt"

	"github.com/broadsheet/broadsheet/internal/auth"
)

// oidcFlagValues are serve's single sign-on flags.
type oidcFlagValues struct {
	issuer, audience, roleClaim, roleMap *string
}

func oidcFlags(fs *flag.FlagSet) *oidcFlagValues {
	return &oidcFlagValues{
		issuer:    fs.String("oidc-issuer", env("BROADSHEET_OIDC_ISSUER", ""), "accept single sign-on: OIDC ID or access tokens (JWTs) from this issuer URL, checked against its published keys; needs --oidc-audience; default: off (env BROADSHEET_OIDC_ISSUER)"),
		audience:  fs.String("oidc-audience", env("BROADSHEET_OIDC_AUDIENCE", ""), "the audience (aud) single sign-on tokens must carry: the client id or API identifier (env BROADSHEET_OIDC_AUDIENCE)"),
		roleClaim: fs.String("oidc-role-claim", env("BROADSHEET_OIDC_ROLE_CLAIM", "roles"), "the token claim with the person's role or groups (a string or a list) (env BROADSHEET_OIDC_ROLE_CLAIM)"),
		roleMap:   fs.String("oidc-role-map", env("BROADSHEET_OIDC_ROLE_MAP", ""), "claim values to roles, e.g. newsroom-admins=admin,desk=editor,freelance=contributor; default: the values are role names; with no match, the account's own role applies (env BROADSHEET_OIDC_ROLE_MAP)"),
	}
}

// config is the single sign-on config (nil when off); an incomplete one is
// a usage error.
func (o *oidcFlagValues) config() (*auth.OIDCConfig, error) {
	if *o.issuer == "" && *o.audience == "" {
		return nil, nil
	}
	if *o.issuer == "" || *o.audience == "" {
		return nil, fmt.Errorf("single sign-on needs both --oidc-issuer and --oidc-audience")
	}
	m, err := auth.ParseRoleMap(*o.roleMap)
	if err != nil {
		return nil, fmt.Errorf("--oidc-role-map: %w", err)
	}
	return &auth.OIDCConfig{Issuer: *o.issuer, Audience: *o.audience, RoleClaim: *o.roleClaim, RoleMap: m}, nil
}
