-- +goose Up
CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    deleted_at  DATETIME NULL
);

CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME NOT NULL,
    locked_until     DATETIME NULL,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    delivered_at     DATETIME NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
