-- +goose Up
-- Section totals that do not grow with the section (see the MySQL migration).
CREATE TABLE category_articles (
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    category_id  INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    published_at DATETIME NULL,
    expires_at   DATETIME NULL,
    deleted_at   DATETIME NULL,
    PRIMARY KEY (article_id, category_id)
);
CREATE INDEX ix_category_articles_page ON category_articles (category_id, status, deleted_at, published_at, article_id, expires_at);
CREATE INDEX ix_category_articles_expiry ON category_articles (category_id, status, deleted_at, expires_at, published_at);

CREATE TABLE category_article_counts (
    category_id INTEGER NOT NULL PRIMARY KEY REFERENCES categories (id) ON DELETE CASCADE,
    published   INTEGER NOT NULL DEFAULT 0
);

INSERT INTO category_articles (article_id, category_id, status, published_at, expires_at, deleted_at)
    SELECT a.id, a.category_id, a.status, a.published_at, a.expires_at, a.deleted_at
    FROM articles a WHERE a.category_id IS NOT NULL;
INSERT INTO category_article_counts (category_id, published)
    SELECT category_id, COUNT(*) FROM category_articles
    WHERE status = 'PUBLISHED' AND deleted_at IS NULL AND published_at IS NOT NULL
    GROUP BY category_id;

-- +goose Down
DROP TABLE category_article_counts;
DROP TABLE category_articles;
