-- +goose Up
-- Imports: which article each imported item became (see the MySQL migration).
CREATE TABLE import_sources (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    imported_at DATETIME NOT NULL,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX ix_import_sources_article ON import_sources (article_id);

-- Redirects by where they lead (see the MySQL migration).
CREATE INDEX ix_redirects_location ON redirects (location);

-- +goose Down
DROP INDEX ix_redirects_location;
DROP TABLE import_sources;
