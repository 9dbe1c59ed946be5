-- +goose Up
-- Live blogs (see migrations/mysql/00019_live_blogs.sql).
CREATE TABLE live_blogs (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    started_at DATETIME NOT NULL,
    ended_at   DATETIME NULL
);

CREATE TABLE live_entries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id      INTEGER NOT NULL REFERENCES live_blogs (article_id) ON DELETE CASCADE,
    title           TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    body_blocks     TEXT NOT NULL DEFAULT '',
    author_ids      TEXT NOT NULL DEFAULT '',
    is_key_event    BOOLEAN NOT NULL DEFAULT 0,
    is_pinned       BOOLEAN NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 1,
    correction_text TEXT NOT NULL DEFAULT '',
    corrected_at    DATETIME NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    deleted_at      DATETIME NULL
);
CREATE INDEX ix_live_entries_article ON live_entries (article_id, deleted_at, id);

CREATE TABLE live_entry_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id   INTEGER NOT NULL REFERENCES live_entries (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    actor      TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_live_entry_history_entry ON live_entry_history (entry_id, version);

-- Replaying a live blog's changes since a cursor reads its events in order.
CREATE INDEX ix_outbox_events_object ON outbox_events (object_type, object_id, seq);

-- +goose Down
DROP INDEX ix_outbox_events_object;
DROP TABLE live_entry_history;
DROP TABLE live_entries;
DROP TABLE live_blogs;
