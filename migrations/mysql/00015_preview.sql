-- +goose Up
-- Preview and review: staged edits, signed preview links, expiry, embargo.
--
-- expires_at: when a published article leaves the site by itself (the
-- visibility rule hides it from that second; the scheduler then takes it
-- down). embargo_until: no publication before it. preview_generation: the
-- generation every preview link of the article names; revoking the links
-- increments it.
ALTER TABLE articles
    ADD COLUMN expires_at DATETIME(6) NULL,
    ADD COLUMN embargo_until DATETIME(6) NULL,
    ADD COLUMN preview_generation INT NOT NULL DEFAULT 0,
    -- live_version: the version readers see, that of the last change they
    -- could see. Staging, publishing at a time and discarding changes bump
    -- version (the editors' conflict counter) but not live_version, so a
    -- staged edit shows in no reader's answer, not even as a new version.
    ADD COLUMN live_version INT NOT NULL DEFAULT 0,
    -- The reader's list indexes end with expires_at too, so that their
    -- counts are still read from the index alone.
    DROP INDEX ix_articles_status_published,
    ADD INDEX ix_articles_status_published (status, published_at, id, deleted_at, expires_at),
    DROP INDEX ix_articles_category_status_published,
    ADD INDEX ix_articles_category_status_published (category_id, status, published_at, id, deleted_at, expires_at),
    ADD INDEX ix_articles_expires (expires_at),
    -- Search and related lists check visibility from ix_articles_search alone.
    DROP INDEX ix_articles_search,
    ADD INDEX ix_articles_search (id, status, published_at, deleted_at, category_id, created_at, slug, expires_at);
UPDATE articles SET live_version = version;

-- The changes staged on a published article, at most one set per article:
-- the whole pending content as a revision snapshot (JSON). publish_at, when
-- set, is when the scheduler makes them live.
CREATE TABLE article_pending_changes (
    article_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    snapshot   MEDIUMTEXT NOT NULL,
    staged_by  VARCHAR(255) NOT NULL DEFAULT '',
    staged_at  DATETIME(6) NOT NULL,
    publish_at DATETIME(6) NULL,
    INDEX ix_article_pending_publish (publish_at),
    CONSTRAINT fk_article_pending_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Secrets the server makes itself when none is configured (the preview
-- link key), kept in the database so that every replica shares them.
CREATE TABLE server_secrets (
    name       VARCHAR(64) NOT NULL PRIMARY KEY,
    secret     VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE server_secrets;
DROP TABLE article_pending_changes;
ALTER TABLE articles
    DROP INDEX ix_articles_expires,
    DROP INDEX ix_articles_search,
    ADD INDEX ix_articles_search (id, status, published_at, deleted_at, category_id, created_at, slug),
    DROP INDEX ix_articles_status_published,
    ADD INDEX ix_articles_status_published (status, published_at, id, deleted_at),
    DROP INDEX ix_articles_category_status_published,
    ADD INDEX ix_articles_category_status_published (category_id, status, published_at, id, deleted_at),
    DROP COLUMN live_version,
    DROP COLUMN preview_generation,
    DROP COLUMN embargo_until,
    DROP COLUMN expires_at;
