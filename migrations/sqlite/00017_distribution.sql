-- +goose Up
-- Distribution: SEO fields, earlier slugs, manual redirects, corrections
-- (see the MySQL migration for what each holds).
ALTER TABLE articles ADD COLUMN seo_title TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_description TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_image TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seo_noindex BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE article_slugs (
    slug       TEXT NOT NULL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_article_slugs_article ON article_slugs (article_id);

CREATE TABLE redirects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    from_path   TEXT NOT NULL,
    location    TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_redirects_from ON redirects (from_path);

CREATE TABLE article_corrections (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_article_corrections_article ON article_corrections (article_id, created_at, id);

-- +goose Down
DROP TABLE article_corrections;
DROP TABLE redirects;
DROP TABLE article_slugs;
ALTER TABLE articles DROP COLUMN seo_noindex;
ALTER TABLE articles DROP COLUMN seo_image;
ALTER TABLE articles DROP COLUMN seo_description;
ALTER TABLE articles DROP COLUMN seo_title;
