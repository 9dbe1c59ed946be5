package main

import (
	"flag"
	"path/filepath"
	"strings"

	"github.com/broadsheet/broadsheet/internal/app"
	"github.com/broadsheet/broadsheet/internal/media"
	"github.com/broadsheet/broadsheet/internal/store/dbconn"
)

// mediaFlags are the media library's settings.
type mediaFlags struct {
	url, secret, base   *string
	maxUpload, maxPixel *int64
}

func addMediaFlags(fs *flag.FlagSet, e *envs) *mediaFlags {
	return &mediaFlags{
		url:       fs.String("media", env("BROADSHEET_MEDIA", ""), "media library store: file://DIR or s3://BUCKET?region=…&endpoint=… (any S3-compatible store; share one between replicas); default: file:// the directory media beside the SQLite file, or ./media (env BROADSHEET_MEDIA)"),
		secret:    fs.String("media-secret", env("BROADSHEET_MEDIA_SECRET", ""), "secret (16+ characters) signing picture URLs, the same on every replica; default: generated once and kept in the media store (env BROADSHEET_MEDIA_SECRET)"),
		base:      fs.String("media-public-url", env("BROADSHEET_MEDIA_PUBLIC_URL", ""), "base URL before /media/… in the picture URLs the API hands out: where Broadsheet (or a CDN in front of it) answers /media/ (e.g. https://api.example.com or https://images.example.com); default: --public-url when set, else site-relative URLs (env BROADSHEET_MEDIA_PUBLIC_URL)"),
		maxUpload: fs.Int64("max-upload-bytes", int64(e.int("BROADSHEET_MAX_UPLOAD_BYTES", media.DefaultMaxUploadBytes)), "largest picture file editors may upload, in bytes (env BROADSHEET_MAX_UPLOAD_BYTES)"),
		maxPixel:  fs.Int64("max-image-pixels", int64(e.int("BROADSHEET_MAX_IMAGE_PIXELS", media.DefaultMaxPixels)), "most pixels (width × height) an uploaded picture may have, checked before decoding (env BROADSHEET_MAX_IMAGE_PIXELS)"),
	}
}

// apply fills cfg.Media; --media-public-url, else publicURL when the operator
// set it, prefixes picture URLs (else they are site-relative). --media-public-url
// exists because --public-url is often the frontend's host, which does
// not serve /media/.
func (m *mediaFlags) apply(cfg *app.Config, dbURL, publicURL string) {
	prefix := publicURL
	if *m.base != "" {
		prefix = *m.base
	}
	cfg.Media = app.MediaConfig{URL: *m.url, Secret: *m.secret, MaxUploadBytes: *m.maxUpload, MaxPixels: *m.maxPixel, URLPrefix: prefix}
	if cfg.Media.URL == "" {
		cfg.Media.URL = defaultMediaURL(dbURL)
	}
}

// defaultMediaURL is the directory media beside an SQLite file, or ./media
// (for MySQL, or an in-memory SQLite database).
func defaultMediaURL(dbURL string) string {
	dir := "media"
	if t, err := dbconn.Parse(dbURL); err == nil && t.Dialect == dbconn.SQLite && t.Path != "" && !strings.Contains(t.Path, ":memory:") {
		dir = filepath.Join(filepath.Dir(t.Path), "media")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return "file://" + filepath.ToSlash(dir)
}
