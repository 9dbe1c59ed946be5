-- +goose Up
CREATE TABLE api_tokens (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    role       VARCHAR(16) NOT NULL,
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash CHAR(64) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY uq_api_tokens_name (name),
    UNIQUE KEY uq_api_tokens_hash (token_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE article_revisions (
    id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    article_id     BIGINT UNSIGNED NOT NULL,
    version        INT NOT NULL,
    actor          VARCHAR(100) NOT NULL,
    action         VARCHAR(40) NOT NULL,
    changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
    snapshot       MEDIUMTEXT NOT NULL,
    created_at     DATETIME(6) NOT NULL,
    KEY ix_article_revisions_article (article_id, id),
    CONSTRAINT fk_article_revisions_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    actor       VARCHAR(100) NOT NULL,
    action      VARCHAR(60) NOT NULL,
    object_type VARCHAR(40) NOT NULL DEFAULT '',
    object_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
    outcome     VARCHAR(20) NOT NULL,
    detail      VARCHAR(1000) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL,
    KEY ix_audit_log_actor (actor, id),
    KEY ix_audit_log_action (action, id),
    KEY ix_audit_log_object (object_type, object_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The scheduler looks for due SCHEDULED articles; the status index serves it.

-- +goose Down
DROP TABLE audit_log;
DROP TABLE article_revisions;
DROP TABLE api_tokens;
