package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/broadsheet/broadsheet/internal/content"
	"github.com/broadsheet/broadsheet/internal/permalink"
)

// distFlags are serve's settings for how the publication is found and
// shown outside: its name and language, its logo, its article addresses
// and where editors' redirects may point.
type distFlags struct {
	pattern, name, language, logo *string
	externalRedirects             *bool
}

func addDistFlags(fs *flag.FlagSet) *distFlags {
	return &distFlags{
		pattern:           fs.String("article-url-pattern", env("BROADSHEET_ARTICLE_URL_PATTERN", permalink.DefaultArticlePattern), "address of an article page on the frontend: {publicUrl} or http(s)://HOST, then a path with {section}, {slug}, {yyyy}, {mm}, {dd}, {id}; it needs {slug} or {id} (env BROADSHEET_ARTICLE_URL_PATTERN)"),
		name:              fs.String("publication-name", env("BROADSHEET_PUBLICATION_NAME", "Broadsheet"), "the publication's name, for structured data, feeds and Google News (env BROADSHEET_PUBLICATION_NAME)"),
		language:          fs.String("publication-language", env("BROADSHEET_PUBLICATION_LANGUAGE", "en"), "the publication's language as a BCP 47 code such as en or pt-BR, for feeds and Google News (env BROADSHEET_PUBLICATION_LANGUAGE)"),
		logo:              fs.String("publisher-logo-url", env("BROADSHEET_PUBLISHER_LOGO_URL", ""), "absolute URL of the publisher's logo in articles' JSON-LD (env BROADSHEET_PUBLISHER_LOGO_URL)"),
		externalRedirects: fs.Bool("allow-external-redirects", env("BROADSHEET_ALLOW_EXTERNAL_REDIRECTS", "") == "1" || env("BROADSHEET_ALLOW_EXTERNAL_REDIRECTS", "") == "true", "let editors' redirects point to other hosts (env BROADSHEET_ALLOW_EXTERNAL_REDIRECTS=1)"),
	}
}

// check refuses, on one line, a bad pattern, public URL, language or logo
// before anything starts. The public URL may still be unknown (it
// defaults to the listener's address): a stand-in checks the pattern.
func (d *distFlags) check(fs *flag.FlagSet, publicURL string, stderr io.Writer) error {
	base := publicURL
	if base == "" {
		base = "http://localhost"
	}
	var msg string
	if _, err := permalink.New(base, *d.pattern); err != nil {
		msg = err.Error()
		if publicURL != "" && strings.HasPrefix(msg, "public URL") {
			msg = "--public-url: " + msg
		} else {
			msg = "--article-url-pattern: " + msg
		}
	} else if !validLanguage(*d.language) {
		msg = fmt.Sprintf("--publication-language %q: want a language code such as en or pt-BR", *d.language)
	} else if l := *d.logo; l != "" && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "http://") {
		msg = fmt.Sprintf("--publisher-logo-url %q: want an absolute http(s) URL", l)
	} else if strings.TrimSpace(*d.name) == "" {
		msg = "--publication-name: must not be empty"
	}
	if msg != "" {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), msg)
		return errUsage
	}
	return nil
}

// validLanguage accepts BCP 47 shapes such as en, pt-BR, zh-Hant.
func validLanguage(s string) bool {
	parts := strings.Split(s, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 8 {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// publication builds the content service's Publication once the public
// URL is known (check has accepted the flags).
func (d *distFlags) publication(publicURL string) (content.Publication, error) {
	links, err := permalink.New(publicURL, *d.pattern)
	if err != nil {
		return content.Publication{}, err
	}
	return content.Publication{Name: strings.TrimSpace(*d.name), Language: *d.language, LogoURL: *d.logo,
		Links: links, AllowExternalRedirects: *d.externalRedirects}, nil
}
