// Package migrations embeds Broadsheet's versioned SQL migrations, one folder
// per dialect, applied in order by goose at start-up and by `broadsheet migrate`.
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
