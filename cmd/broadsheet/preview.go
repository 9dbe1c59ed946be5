package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/broadsheet/broadsheet/internal/app"
)

// previewFlags set up preview links: where they point and what signs them.
type previewFlags struct {
	url, secret *string
}

func addPreviewFlags(fs *flag.FlagSet) *previewFlags {
	return &previewFlags{
		url:    fs.String("preview-url", env("BROADSHEET_PREVIEW_URL", ""), "the frontend's preview page; {token} is replaced by a preview link's token, e.g. https://news.example.com/api/preview?token={token}; unset: createPreviewLink returns no url (env BROADSHEET_PREVIEW_URL)"),
		secret: fs.String("preview-secret", env("BROADSHEET_PREVIEW_SECRET", ""), "secret (at least 32 characters) that signs preview links, the same on every replica; unset: a random one made once and kept in the database (env BROADSHEET_PREVIEW_SECRET)"),
	}
}

// check refuses a preview URL without {token} or not absolute, and a
// secret too short to sign with.
func (p *previewFlags) check(stderr io.Writer) error {
	if u := *p.url; u != "" {
		parsed, err := url.Parse(strings.ReplaceAll(u, "{token}", "t"))
		if !strings.Contains(u, "{token}") || err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			fmt.Fprintf(stderr, "broadsheet serve: --preview-url %q must be an absolute http(s) URL containing {token}\n", u)
			return errUsage
		}
	}
	if s := *p.secret; s != "" && len(s) < 32 {
		fmt.Fprintf(stderr, "broadsheet serve: --preview-secret must be at least 32 characters (it has %d)\n", len(s))
		return errUsage
	}
	return nil
}

func (p *previewFlags) apply(cfg *app.Config) {
	cfg.Preview.URL = *p.url
	if *p.secret != "" {
		cfg.Preview.Secret = []byte(*p.secret)
	}
}
