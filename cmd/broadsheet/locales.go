package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/broadsheet/broadsheet/internal/locale"
)

// localesFlag is --locales, shared by serve and seed.
func localesFlag(fs *flag.FlagSet) *string {
	return fs.String("locales", env("BROADSHEET_LOCALES", "en"), "comma-separated BCP 47 tags of the publication's languages, the default first, e.g. en,fr,de-CH (env BROADSHEET_LOCALES)")
}

// parseLocales checks --locales; an unknown or malformed tag is refused
// with one line.
func parseLocales(cmd, list string, stderr io.Writer) (*locale.Set, error) {
	set, err := locale.Parse(list)
	if err != nil {
		fmt.Fprintf(stderr, "broadsheet %s: --locales: %v\n", cmd, err)
		return nil, errUsage
	}
	return set, nil
}
