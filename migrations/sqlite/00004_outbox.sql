-- +goose Up
-- The event outbox (see migrations/mysql/00004_outbox.sql).
CREATE TABLE outbox_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   INTEGER NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    payload     TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX ix_outbox_events_created ON outbox_events (created_at);

CREATE TABLE outbox_pending (
    consumer  TEXT NOT NULL,
    event_seq INTEGER NOT NULL REFERENCES outbox_events (seq) ON DELETE CASCADE,
    PRIMARY KEY (consumer, event_seq)
);

-- +goose Down
DROP TABLE outbox_pending;
DROP TABLE outbox_events;
