-- +goose Up
-- Preview and review: staged edits, signed preview links, expiry, embargo.
--
-- expires_at: when a published article leaves the site by itself (the
-- visibility rule hides it from that second; the scheduler then takes it
-- down). embargo_until: no publication before it. preview_generation: the
-- generation every preview link of the article names; revoking the links
-- increments it.
ALTER TABLE articles ADD COLUMN expires_at DATETIME NULL;
ALTER TABLE articles ADD COLUMN embargo_until DATETIME NULL;
ALTER TABLE articles ADD COLUMN preview_generation INTEGER NOT NULL DEFAULT 0;
-- live_version: the version readers see, that of the last change they
-- could see. Staging, publishing at a time and discarding changes bump
-- version (the editors' conflict counter) but not live_version, so a
-- staged edit shows in no reader's answer, not even as a new version.
ALTER TABLE articles ADD COLUMN live_version INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET live_version = version;

-- The reader's list indexes end with expires_at too, so that their counts
-- are still read from the index alone.
DROP INDEX ix_articles_status_published;
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id, deleted_at, expires_at);
DROP INDEX ix_articles_category_status_published;
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id, deleted_at, expires_at);
CREATE INDEX ix_articles_expires ON articles (expires_at);
-- Search and related lists check visibility from ix_articles_search alone.
DROP INDEX ix_articles_search;
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug, expires_at);

-- The changes staged on a published article, at most one set per article:
-- the whole pending content as a revision snapshot (JSON). publish_at, when
-- set, is when the scheduler makes them live.
CREATE TABLE article_pending_changes (
    article_id INTEGER NOT NULL PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    snapshot   TEXT NOT NULL,
    staged_by  TEXT NOT NULL DEFAULT '',
    staged_at  DATETIME NOT NULL,
    publish_at DATETIME NULL
);
CREATE INDEX ix_article_pending_publish ON article_pending_changes (publish_at);

-- Secrets the server makes itself when none is configured (the preview
-- link key), kept in the database so that every replica shares them.
CREATE TABLE server_secrets (
    name       TEXT NOT NULL PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE server_secrets;
DROP INDEX ix_article_pending_publish;
DROP TABLE article_pending_changes;
DROP INDEX ix_articles_expires;
DROP INDEX ix_articles_search;
CREATE INDEX ix_articles_search ON articles (id, status, published_at, deleted_at, category_id, created_at, slug);
DROP INDEX ix_articles_status_published;
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id, deleted_at);
DROP INDEX ix_articles_category_status_published;
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id, deleted_at);
ALTER TABLE articles DROP COLUMN live_version;
ALTER TABLE articles DROP COLUMN preview_generation;
ALTER TABLE articles DROP COLUMN embargo_until;
ALTER TABLE articles DROP COLUMN expires_at;
