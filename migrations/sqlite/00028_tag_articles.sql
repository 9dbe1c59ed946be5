-- +goose Up
-- Tag pages that do not grow with the archive (see the MySQL migration).
CREATE TABLE tag_articles (
    article_id   INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    published_at DATETIME NULL,
    expires_at   DATETIME NULL,
    deleted_at   DATETIME NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX ix_tag_articles_page ON tag_articles (tag_id, status, deleted_at, published_at, article_id, expires_at);
CREATE INDEX ix_tag_articles_expiry ON tag_articles (tag_id, status, deleted_at, expires_at, published_at);

CREATE TABLE tag_article_counts (
    tag_id    INTEGER NOT NULL PRIMARY KEY REFERENCES tags (id) ON DELETE CASCADE,
    published INTEGER NOT NULL DEFAULT 0
);

INSERT INTO tag_articles (article_id, tag_id, status, published_at, expires_at, deleted_at)
    SELECT l.article_id, l.tag_id, a.status, a.published_at, a.expires_at, a.deleted_at
    FROM article_tags l JOIN articles a ON a.id = l.article_id;
INSERT INTO tag_article_counts (tag_id, published)
    SELECT tag_id, COUNT(*) FROM tag_articles
    WHERE status = 'PUBLISHED' AND deleted_at IS NULL AND published_at IS NOT NULL
    GROUP BY tag_id;

-- +goose Down
DROP TABLE tag_article_counts;
DROP TABLE tag_articles;
