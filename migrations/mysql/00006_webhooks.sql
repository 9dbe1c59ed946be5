-- +goose Up
CREATE TABLE webhooks (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    url         VARCHAR(2048) NOT NULL,
    -- Comma-separated event names (ARTICLE_PUBLISHED, …).
    events      VARCHAR(1000) NOT NULL,
    description VARCHAR(1000) NOT NULL DEFAULT '',
    -- The HMAC key; kept as is because signing needs it (shown once at creation).
    secret      VARCHAR(100) NOT NULL,
    active      TINYINT(1) NOT NULL DEFAULT 1,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    deleted_at  DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    webhook_id       BIGINT UNSIGNED NOT NULL,
    event_id         CHAR(36) NOT NULL,
    event_type       VARCHAR(60) NOT NULL,
    body             MEDIUMTEXT NOT NULL,
    status           VARCHAR(16) NOT NULL,
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME(6) NOT NULL,
    locked_until     DATETIME(6) NULL,
    last_status_code INT NOT NULL DEFAULT 0,
    last_error       VARCHAR(1000) NOT NULL DEFAULT '',
    created_at       DATETIME(6) NOT NULL,
    delivered_at     DATETIME(6) NULL,
    -- An event reaches each webhook once, however often the outbox hands it on.
    UNIQUE KEY uq_webhook_deliveries_event (webhook_id, event_id),
    KEY ix_webhook_deliveries_due (status, next_attempt_at),
    CONSTRAINT fk_webhook_deliveries_webhook FOREIGN KEY (webhook_id) REFERENCES webhooks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
