package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/web/feeds"
)

// feedFlags are serve's settings of feeds and sitemaps.
type feedFlags struct {
	fullContent *bool
	maxURLs     *int
	envErr      string // an environment value that does not parse
}

func addFeedFlags(fs *flag.FlagSet) *feedFlags {
	f := &feedFlags{}
	full := false
	if v := os.Getenv("BROADSHEET_FEEDS_FULL_CONTENT"); v != "" {
		var err error
		if full, err = strconv.ParseBool(v); err != nil {
			f.envErr = fmt.Sprintf("BROADSHEET_FEEDS_FULL_CONTENT=%q: want 1 or 0", v)
		}
	}
	maxURLs := feeds.DefaultMaxURLs
	if v := os.Getenv("BROADSHEET_SITEMAP_MAX_URLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envErr = fmt.Sprintf("BROADSHEET_SITEMAP_MAX_URLS=%q: want a number of URLs", v)
		}
		maxURLs = n
	}
	f.fullContent = fs.Bool("feeds-full-content", full, "put articles' full HTML bodies in RSS, Atom and JSON feeds unless ?full=0 (default: only with ?full=1) (env BROADSHEET_FEEDS_FULL_CONTENT=1)")
	f.maxURLs = fs.Int("sitemap-max-urls", maxURLs, "most URLs in one sitemap before it is split in parts, at most 50000 (env BROADSHEET_SITEMAP_MAX_URLS)")
	return f
}

// check refuses a sitemap size the protocol does not allow, on one line.
func (f *feedFlags) check(fs *flag.FlagSet, stderr io.Writer) error {
	if f.envErr != "" {
		fmt.Fprintf(stderr, "%s: %s\n", fs.Name(), f.envErr)
		return errUsage
	}
	if n := *f.maxURLs; n < 1 || n > feeds.DefaultMaxURLs {
		fmt.Fprintf(stderr, "%s: --sitemap-max-urls %d: want 1 to %d\n", fs.Name(), n, feeds.DefaultMaxURLs)
		return errUsage
	}
	return nil
}

func (f *feedFlags) apply(cfg *app.Config) {
	cfg.Server.FeedsFullContent = *f.fullContent
	cfg.Server.SitemapMaxURLs = *f.maxURLs
}
