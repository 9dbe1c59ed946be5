// Package migrations embeds Broadsheet's versioned SQL migrations, one folder
// per dialect, applied in order by goose at start-up and by `broadsheet migrate`.
// A few are written in Go (Go, e.g. SQLite's 00020 in sqlite_translations.go)
// where SQL alone cannot say what they do.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed mysql/*.sql sqlite/*.sql
var files embed.FS

// FS returns the migrations for a dialect ("mysql" or "sqlite").
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
