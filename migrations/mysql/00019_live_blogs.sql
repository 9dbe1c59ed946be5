-- +goose Up
-- Live blogs: an article with a stream of short entries. live_blogs says an
-- article is one (and whether it is still live); live_entries are its
-- entries (deleted ones kept with deleted_at, never shown); an entry's
-- earlier texts are kept in live_entry_history when it is corrected.
CREATE TABLE live_blogs (
    article_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    started_at DATETIME(6) NOT NULL,
    ended_at   DATETIME(6) NULL,
    CONSTRAINT fk_live_blogs_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE live_entries (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    article_id      BIGINT UNSIGNED NOT NULL,
    title           VARCHAR(300) NOT NULL DEFAULT '',
    body            MEDIUMTEXT NOT NULL,
    body_html       MEDIUMTEXT NOT NULL,
    body_blocks     MEDIUMTEXT NOT NULL,
    author_ids      VARCHAR(255) NOT NULL DEFAULT '',
    is_key_event    BOOLEAN NOT NULL DEFAULT FALSE,
    is_pinned       BOOLEAN NOT NULL DEFAULT FALSE,
    version         INT NOT NULL DEFAULT 1,
    correction_text VARCHAR(2000) NOT NULL DEFAULT '',
    corrected_at    DATETIME(6) NULL,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    deleted_at      DATETIME(6) NULL,
    KEY ix_live_entries_article (article_id, deleted_at, id),
    CONSTRAINT fk_live_entries_blog FOREIGN KEY (article_id) REFERENCES live_blogs (article_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE live_entry_history (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    entry_id   BIGINT UNSIGNED NOT NULL,
    version    INT NOT NULL,
    title      VARCHAR(300) NOT NULL DEFAULT '',
    body       MEDIUMTEXT NOT NULL,
    actor      VARCHAR(100) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    KEY ix_live_entry_history_entry (entry_id, version),
    CONSTRAINT fk_live_entry_history_entry FOREIGN KEY (entry_id) REFERENCES live_entries (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Replaying a live blog's changes since a cursor reads its events in order.
CREATE INDEX ix_outbox_events_object ON outbox_events (object_type, object_id, seq);

-- +goose Down
DROP INDEX ix_outbox_events_object ON outbox_events;
DROP TABLE live_entry_history;
DROP TABLE live_entries;
DROP TABLE live_blogs;
