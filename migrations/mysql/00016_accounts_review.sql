-- +goose Up
-- Editorial users are people: an account per person, API tokens that belong
-- to one, and the account named on revisions, audit entries and review notes.
-- NULL account ids are tokens and entries from before accounts (attributed
-- to the token's name) and work Broadsheet does itself (the scheduler).
CREATE TABLE accounts (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email      VARCHAR(254) NOT NULL,
    name       VARCHAR(200) NOT NULL,
    role       VARCHAR(20) NOT NULL,
    author_id  BIGINT UNSIGNED NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY ux_accounts_email (email),
    CONSTRAINT fk_accounts_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE api_tokens ADD COLUMN account_id BIGINT UNSIGNED NULL,
    ADD CONSTRAINT fk_api_tokens_account FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE audit_log ADD COLUMN account_id BIGINT UNSIGNED NULL, ADD KEY ix_audit_log_account (account_id, id);
ALTER TABLE article_revisions ADD COLUMN account_id BIGINT UNSIGNED NULL;

-- Who created an article (a contributor may change what it created) and
-- where it stands in review.
ALTER TABLE articles ADD COLUMN created_by_account_id BIGINT UNSIGNED NULL,
    ADD COLUMN review_state VARCHAR(20) NOT NULL DEFAULT 'NONE',
    ADD KEY ix_articles_review_state (review_state, id);

-- Every review transition with its note, oldest first.
CREATE TABLE review_notes (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    article_id BIGINT UNSIGNED NOT NULL,
    state      VARCHAR(20) NOT NULL,
    note       TEXT NOT NULL,
    actor      VARCHAR(100) NOT NULL,
    account_id BIGINT UNSIGNED NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_review_notes_article (article_id, id),
    CONSTRAINT fk_review_notes_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE review_notes;
ALTER TABLE articles DROP KEY ix_articles_review_state, DROP COLUMN review_state, DROP COLUMN created_by_account_id;
ALTER TABLE article_revisions DROP COLUMN account_id;
ALTER TABLE audit_log DROP KEY ix_audit_log_account, DROP COLUMN account_id;
ALTER TABLE api_tokens DROP FOREIGN KEY fk_api_tokens_account, DROP COLUMN account_id;
DROP TABLE accounts;
