-- +goose Up
-- Author pages that do not grow with the archive (see the MySQL migration).
CREATE TABLE author_articles (
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    published_at DATETIME NULL,
    expires_at   DATETIME NULL,
    deleted_at   DATETIME NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX ix_author_articles_page ON author_articles (author_id, status, deleted_at, published_at, article_id, expires_at);
CREATE INDEX ix_author_articles_expiry ON author_articles (author_id, status, deleted_at, expires_at, published_at);

CREATE TABLE author_article_counts (
    author_id INTEGER NOT NULL PRIMARY KEY REFERENCES authors (id) ON DELETE CASCADE,
    published INTEGER NOT NULL DEFAULT 0
);

INSERT INTO author_articles (article_id, author_id, status, published_at, expires_at, deleted_at)
    SELECT l.article_id, l.author_id, a.status, a.published_at, a.expires_at, a.deleted_at
    FROM article_authors l JOIN articles a ON a.id = l.article_id;
INSERT INTO author_article_counts (author_id, published)
    SELECT author_id, COUNT(*) FROM author_articles
    WHERE status = 'PUBLISHED' AND deleted_at IS NULL AND published_at IS NOT NULL
    GROUP BY author_id;

-- +goose Down
DROP TABLE author_article_counts;
DROP TABLE author_articles;
