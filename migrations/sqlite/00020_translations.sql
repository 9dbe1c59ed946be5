-- +goose NO TRANSACTION
-- +goose Up
-- Translations (issue 16): each article has a locale (a BCP 47 tag) and a
-- translation group (the id of the group's first article; 0 for an
-- article with no translation). Existing rows get '' here and the server's
-- default locale when it starts (store.AssignDefaultLocale).
--
-- Slugs become unique per locale. SQLite cannot drop the column-level
-- UNIQUE of articles.slug, so the table is rebuilt the way SQLite
-- documents (https://sqlite.org/lang_altertable.html#otheralter): foreign
-- keys off (they cannot be switched inside a transaction, hence NO
-- TRANSACTION: goose runs this file on one connection), then in one
-- transaction copy, drop, rename and recreate the indexes and the
-- full-text triggers. Row ids are kept, so the FTS5 index (external
-- content, keyed by rowid) and every table referring to articles stay valid.
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE articles_rebuilt (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT NOT NULL,
    title                TEXT NOT NULL,
    subtitle             TEXT NOT NULL DEFAULT '',
    body                 TEXT NOT NULL DEFAULT '',
    body_html            TEXT NOT NULL DEFAULT '',
    excerpt              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    published_at         DATETIME NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    deleted_at           DATETIME NULL,
    reading_time_minutes INTEGER NOT NULL DEFAULT 0,
    word_count           INTEGER NOT NULL DEFAULT 0,
    cover_url            TEXT NOT NULL DEFAULT '',
    cover_alt            TEXT NOT NULL DEFAULT '',
    cover_caption        TEXT NOT NULL DEFAULT '',
    cover_credit         TEXT NOT NULL DEFAULT '',
    canonical_url        TEXT NOT NULL DEFAULT '',
    category_id          INTEGER NULL REFERENCES categories (id) ON DELETE SET NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    body_text            TEXT NOT NULL DEFAULT '',
    locale               TEXT NOT NULL DEFAULT '',
    translation_group    INTEGER NOT NULL DEFAULT 0
);

INSERT INTO articles_rebuilt (id, slug, title, subtitle, body, body_html, excerpt, status, published_at, created_at,
    updated_at, deleted_at, reading_time_minutes, word_count, cover_url, cover_alt, cover_caption, cover_credit,
    canonical_url, category_id, version, body_text)
SELECT id, slug, title, subtitle, body, body_html, excerpt, status, published_at, created_at,
    updated_at, deleted_at, reading_time_minutes, word_count, cover_url, cover_alt, cover_caption, cover_credit,
    canonical_url, category_id, version, body_text
FROM articles;

DROP TABLE articles;
ALTER TABLE articles_rebuilt RENAME TO articles;

CREATE UNIQUE INDEX uq_articles_locale_slug ON articles (locale, slug);
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id, deleted_at);
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id, deleted_at);
CREATE INDEX ix_articles_updated ON articles (updated_at, id);
CREATE INDEX ix_articles_status_title ON articles (status, title, id);
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug, locale, translation_group);
CREATE INDEX ix_articles_translation_group ON articles (translation_group);
CREATE INDEX ix_articles_locale_status_published ON articles (locale, status, published_at, id, deleted_at);

-- +goose StatementBegin
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

-- Section and tag names per locale; the default locale's are the
-- categories' and tags' own columns.
CREATE TABLE category_translations (
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    locale      TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (category_id, locale)
);

CREATE TABLE tag_translations (
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    locale TEXT NOT NULL,
    name   TEXT NOT NULL,
    PRIMARY KEY (tag_id, locale)
);

COMMIT;

PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

DROP TABLE tag_translations;
DROP TABLE category_translations;

CREATE TABLE articles_rebuilt (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT NOT NULL UNIQUE,
    title                TEXT NOT NULL,
    subtitle             TEXT NOT NULL DEFAULT '',
    body                 TEXT NOT NULL DEFAULT '',
    body_html            TEXT NOT NULL DEFAULT '',
    excerpt              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    published_at         DATETIME NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    deleted_at           DATETIME NULL,
    reading_time_minutes INTEGER NOT NULL DEFAULT 0,
    word_count           INTEGER NOT NULL DEFAULT 0,
    cover_url            TEXT NOT NULL DEFAULT '',
    cover_alt            TEXT NOT NULL DEFAULT '',
    cover_caption        TEXT NOT NULL DEFAULT '',
    cover_credit         TEXT NOT NULL DEFAULT '',
    canonical_url        TEXT NOT NULL DEFAULT '',
    category_id          INTEGER NULL REFERENCES categories (id) ON DELETE SET NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    body_text            TEXT NOT NULL DEFAULT ''
);

INSERT INTO articles_rebuilt (id, slug, title, subtitle, body, body_html, excerpt, status, published_at, created_at,
    updated_at, deleted_at, reading_time_minutes, word_count, cover_url, cover_alt, cover_caption, cover_credit,
    canonical_url, category_id, version, body_text)
SELECT id, slug, title, subtitle, body, body_html, excerpt, status, published_at, created_at,
    updated_at, deleted_at, reading_time_minutes, word_count, cover_url, cover_alt, cover_caption, cover_credit,
    canonical_url, category_id, version, body_text
FROM articles;

DROP TABLE articles;
ALTER TABLE articles_rebuilt RENAME TO articles;

CREATE INDEX ix_articles_status_published ON articles (status, published_at, id, deleted_at);
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id, deleted_at);
CREATE INDEX ix_articles_updated ON articles (updated_at, id);
CREATE INDEX ix_articles_status_title ON articles (status, title, id);
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug);

-- +goose StatementBegin
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, subtitle, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, subtitle, body_text)
    VALUES ('delete', old.id, old.title, old.subtitle, old.body_text);
    INSERT INTO articles_fts (rowid, title, subtitle, body_text)
    VALUES (new.id, new.title, new.subtitle, new.body_text);
END;
-- +goose StatementEnd

COMMIT;

PRAGMA foreign_keys = ON;
