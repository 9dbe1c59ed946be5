package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pressly/goose/v3"
)

// Go returns the migrations of a dialect written in Go rather than SQL:
// SQLite's 00020 (translations), which must rebuild the articles table
// whatever columns other migrations have added to it by then.
func Go(dialect string) []*goose.Migration {
	if dialect != "sqlite" {
		return nil
	}
	return []*goose.Migration{goose.NewGoMigration(20,
		&goose.GoFunc{RunDB: sqliteTranslationsUp},
		&goose.GoFunc{RunDB: sqliteTranslationsDown})}
}

// Migration 00020 on SQLite (the MySQL twin is mysql/00020_translations.sql):
// each article gets a locale ('' until the server gives existing rows the
// default locale at start) and a translation group, and slugs become
// unique per locale. SQLite cannot drop the column-level UNIQUE of
// articles.slug, so the table is rebuilt as SQLite documents
// (https://sqlite.org/lang_altertable.html#otheralter): foreign keys off on
// one connection (they cannot be switched inside a transaction), then in
// one transaction create the new table from the stored definition (every
// column other migrations added is kept), copy the rows with their ids,
// drop the old table, rename, and recreate its indexes and the full-text
// triggers from their stored SQL. Row ids are kept, so the FTS5 index
// (external content, keyed by rowid) and the tables referring to articles
// stay valid.

var slugUnique = regexp.MustCompile(`(?i)(\bslug\s+TEXT\s+NOT\s+NULL)\s+UNIQUE\b`)

const (
	addedColumns = "locale TEXT NOT NULL DEFAULT '', translation_group INTEGER NOT NULL DEFAULT 0"
	searchIndex  = "ix_articles_search"
)

var translationsUp = []string{
	"CREATE UNIQUE INDEX uq_articles_locale_slug ON articles (locale, slug)",
	"CREATE INDEX ix_articles_translation_group ON articles (translation_group)",
	"CREATE INDEX ix_articles_locale_status_published ON articles (locale, status, published_at, id, deleted_at)",
	// Section and tag names per locale; the default locale's are the
	// categories' and tags' own columns.
	`CREATE TABLE category_translations (
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    locale      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category_id, locale)
)`,
	`CREATE TABLE tag_translations (
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (tag_id, locale)
)`,
}

func sqliteTranslationsUp(ctx context.Context, db *sql.DB) error {
	return rebuildArticles(ctx, db, func(create string) (string, error) {
		if n := len(slugUnique.FindAllStringIndex(create, -1)); n != 1 {
			return "", fmt.Errorf("articles table: want one \"slug TEXT NOT NULL UNIQUE\" column, found %d", n)
		}
		create = slugUnique.ReplaceAllString(create, "$1")
		end := strings.LastIndex(create, ")")
		return create[:end] + ",\n    " + addedColumns + "\n)", nil
	}, func(cols []string) []string { return cols }, func(name, sql string) string {
		if name == searchIndex {
			return "CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug, locale, translation_group)"
		}
		return sql
	}, translationsUp)
}

func sqliteTranslationsDown(ctx context.Context, db *sql.DB) error {
	added := regexp.MustCompile(`,\s*locale TEXT NOT NULL DEFAULT '', translation_group INTEGER NOT NULL DEFAULT 0\s*\)$`)
	return rebuildArticles(ctx, db, func(create string) (string, error) {
		if !added.MatchString(create) {
			return "", errors.New("articles table: the translation columns are not where migration 00020 put them")
		}
		create = added.ReplaceAllString(create, "\n)")
		return regexp.MustCompile(`(?i)(\bslug\s+TEXT\s+NOT\s+NULL)`).ReplaceAllString(create, "$1 UNIQUE"), nil
	}, func(cols []string) []string {
		return slices.DeleteFunc(cols, func(c string) bool { return c == "locale" || c == "translation_group" })
	}, func(name, sql string) string {
		switch name {
		case "uq_articles_locale_slug", "ix_articles_translation_group", "ix_articles_locale_status_published":
			return ""
		case searchIndex:
			return "CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug)"
		}
		return sql
	}, []string{"DROP TABLE tag_translations", "DROP TABLE category_translations"})
}

// rebuildArticles recreates the articles table with the definition
// editCreate makes of the stored one, copying the columns keep leaves,
// recreating each index and trigger as editIndex returns it ("" drops it),
// then running after; all in one transaction, foreign keys off.
func rebuildArticles(ctx context.Context, db *sql.DB, editCreate func(string) (string, error), keep func([]string) []string,
	editIndex func(name, sql string) string, after []string) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err == nil {
			err = ferr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var create string
	if err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'articles'").Scan(&create); err != nil {
		return fmt.Errorf("read the articles table: %w", err)
	}
	type object struct{ typ, name, sql string }
	var objects []object
	rows, err := tx.QueryContext(ctx, "SELECT type, name, sql FROM sqlite_schema WHERE tbl_name = 'articles' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name")
	if err != nil {
		return err
	}
	for rows.Next() {
		var o object
		if err := rows.Scan(&o.typ, &o.name, &o.sql); err != nil {
			rows.Close()
			return err
		}
		objects = append(objects, o)
	}
	rows.Close()
	var cols []string
	crows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info('articles') ORDER BY cid")
	if err != nil {
		return err
	}
	for crows.Next() {
		var c string
		if err := crows.Scan(&c); err != nil {
			crows.Close()
			return err
		}
		cols = append(cols, `"`+c+`"`)
	}
	crows.Close()
	for i := range cols {
		cols[i] = strings.Trim(cols[i], `"`)
	}
	cols = keep(cols)

	newCreate, err := editCreate(create)
	if err != nil {
		return err
	}
	newCreate = regexp.MustCompile(`(?i)^CREATE TABLE\s+("?)articles("?)`).ReplaceAllString(newCreate, "CREATE TABLE articles_rebuilt")
	list := `"` + strings.Join(cols, `", "`) + `"`
	stmts := []string{
		newCreate,
		"INSERT INTO articles_rebuilt (" + list + ") SELECT " + list + " FROM articles",
		"DROP TABLE articles",
		"ALTER TABLE articles_rebuilt RENAME TO articles",
	}
	// Indexes first, triggers after (the indexes' order is the stored one).
	for _, o := range objects {
		if o.typ == "index" {
			if s := editIndex(o.name, o.sql); s != "" {
				stmts = append(stmts, s)
			}
		}
	}
	for _, o := range objects {
		if o.typ == "trigger" {
			stmts = append(stmts, o.sql)
		}
	}
	stmts = append(stmts, after...)
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("rebuild articles: %s: %w", firstLine(s), err)
		}
	}
	return tx.Commit()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
