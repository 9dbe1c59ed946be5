package main

import (
	"flag"
	"testing"

	"github.com/broadsheet/broadsheet/internal/app"
)

// TestMediaURLPrefix: picture URLs go on --media-public-url when set (the
// frontend's host, --public-url, often does not serve /media/), else on an
// explicit --public-url, else stay site-relative.
func TestMediaURLPrefix(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, publicURL string
		args            []string
		want            string
	}{
		{"neither", "", nil, ""},
		{"public URL", "https://news.example.com", nil, "https://news.example.com"},
		{"media URL wins", "https://news.example.com", []string{"--media-public-url", "https://api.example.com"}, "https://api.example.com"},
		{"media URL alone", "", []string{"--media-public-url", "https://img.example.com"}, "https://img.example.com"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			m := addMediaFlags(fs, &envs{})
			if err := fs.Parse(c.args); err != nil {
				t.Fatal(err)
			}
			var cfg app.Config
			m.apply(&cfg, "sqlite:broadsheet.db", c.publicURL)
			if cfg.Media.URLPrefix != c.want {
				t.Errorf("URLPrefix %q, want %q", cfg.Media.URLPrefix, c.want)
			}
		})
	}
}
