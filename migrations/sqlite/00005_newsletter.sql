-- +goose Up
CREATE TABLE newsletter_subscribers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL,
    topics             TEXT NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    confirmed_at       DATETIME NULL,
    unsubscribed_at    DATETIME NULL
);
CREATE INDEX ix_newsletter_status ON newsletter_subscribers (status, id);

CREATE TABLE newsletter_tokens (
    token_hash    TEXT NOT NULL PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES newsletter_subscribers (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,
    expires_at    DATETIME NULL,
    created_at    DATETIME NOT NULL
);
CREATE INDEX ix_newsletter_tokens_subscriber ON newsletter_tokens (subscriber_id, purpose);

CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    headers         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME NOT NULL,
    locked_until    DATETIME NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    sent_at         DATETIME NULL
);
CREATE INDEX ix_mail_queue_due ON mail_queue (status, next_attempt_at);

-- +goose Down
DROP TABLE mail_queue;
DROP TABLE newsletter_tokens;
DROP TABLE newsletter_subscribers;
