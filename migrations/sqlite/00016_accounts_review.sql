-- +goose Up
-- Editorial users are people: an account per person, API tokens that belong
-- to one, and the account named on revisions, audit entries and review notes.
-- NULL account ids are tokens and entries from before accounts (attributed
-- to the token's name) and work Broadsheet does itself (the scheduler).
CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    author_id  INTEGER NULL REFERENCES authors (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL
);

ALTER TABLE api_tokens ADD COLUMN account_id INTEGER NULL REFERENCES accounts (id);
ALTER TABLE audit_log ADD COLUMN account_id INTEGER NULL;
CREATE INDEX ix_audit_log_account ON audit_log (account_id, id);
ALTER TABLE article_revisions ADD COLUMN account_id INTEGER NULL;

-- Who created an article (a contributor may change what it created) and
-- where it stands in review.
ALTER TABLE articles ADD COLUMN created_by_account_id INTEGER NULL;
ALTER TABLE articles ADD COLUMN review_state TEXT NOT NULL DEFAULT 'NONE';
CREATE INDEX ix_articles_review_state ON articles (review_state, id);

-- Every review transition with its note, oldest first.
CREATE TABLE review_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL,
    account_id INTEGER NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_review_notes_article ON review_notes (article_id, id);

-- +goose Down
DROP TABLE review_notes;
DROP INDEX ix_articles_review_state;
ALTER TABLE articles DROP COLUMN review_state;
ALTER TABLE articles DROP COLUMN created_by_account_id;
ALTER TABLE article_revisions DROP COLUMN account_id;
DROP INDEX ix_audit_log_account;
ALTER TABLE audit_log DROP COLUMN account_id;
ALTER TABLE api_tokens DROP COLUMN account_id;
DROP TABLE accounts;
