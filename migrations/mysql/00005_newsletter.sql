-- +goose Up
CREATE TABLE newsletter_subscribers (
    id                 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email              VARCHAR(254) NOT NULL,
    status             VARCHAR(16) NOT NULL,
    -- Comma-separated section slugs; empty means every section.
    topics             VARCHAR(2000) NOT NULL DEFAULT '',
    created_at         DATETIME(6) NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    confirmed_at       DATETIME(6) NULL,
    unsubscribed_at    DATETIME(6) NULL,
    UNIQUE KEY uq_newsletter_email (email),
    KEY ix_newsletter_status (status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tokens in emailed links, by SHA-256. A confirm token works once and
-- expires; every email carries its own manage token, and all of them keep
-- working so an old email's unsubscribe link still unsubscribes.
CREATE TABLE newsletter_tokens (
    token_hash    CHAR(64) NOT NULL PRIMARY KEY,
    subscriber_id BIGINT UNSIGNED NOT NULL,
    purpose       VARCHAR(16) NOT NULL,
    expires_at    DATETIME(6) NULL,
    created_at    DATETIME(6) NOT NULL,
    KEY ix_newsletter_tokens_subscriber (subscriber_id, purpose),
    CONSTRAINT fk_newsletter_tokens_subscriber FOREIGN KEY (subscriber_id) REFERENCES newsletter_subscribers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE mail_queue (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    to_addr         VARCHAR(254) NOT NULL,
    subject         VARCHAR(500) NOT NULL,
    body            TEXT NOT NULL,
    -- Extra headers as JSON (List-Unsubscribe, …).
    headers         TEXT NOT NULL,
    status          VARCHAR(16) NOT NULL,
    attempts        INT NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6) NOT NULL,
    locked_until    DATETIME(6) NULL,
    last_error      VARCHAR(1000) NOT NULL DEFAULT '',
    created_at      DATETIME(6) NOT NULL,
    sent_at         DATETIME(6) NULL,
    KEY ix_mail_queue_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE mail_queue;
DROP TABLE newsletter_tokens;
DROP TABLE newsletter_subscribers;
