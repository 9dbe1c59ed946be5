-- +goose Up
-- Imports: which article each item of an imported archive became, keyed by
-- where it came from (wordpress, ghost, markdown) and its id there (a WXR
-- guid, a Ghost post id, a Markdown file's path), so that running the same
-- import again updates the article instead of adding a duplicate.
CREATE TABLE import_sources (
    source      VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    external_id VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    article_id  BIGINT UNSIGNED NOT NULL,
    imported_at DATETIME(6) NOT NULL,
    PRIMARY KEY (source, external_id),
    KEY ix_import_sources_article (article_id),
    CONSTRAINT fk_import_sources_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Redirects are looked up by where they lead when a new one is pointed on
-- (no chains are stored): without an index each new redirect read them all,
-- which a bulk import of thousands of old addresses turned quadratic.
CREATE INDEX ix_redirects_location ON redirects (location(191));

-- +goose Down
DROP INDEX ix_redirects_location ON redirects;
DROP TABLE import_sources;
