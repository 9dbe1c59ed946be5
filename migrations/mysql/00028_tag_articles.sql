-- +goose Up
-- Tag pages that do not grow with the archive, as 00024 did for authors:
-- a tag's articles were found through article_tags and checked one by one
-- in articles, then sorted by publication time, so that a page of 20 of a
-- tag of 476 articles cost MariaDB 9–10 ms. tag_articles keeps, for each
-- tag of an article, a copy of the columns the reader rule
-- (store/visibility.go) looks at; ix_tag_articles_page answers a page of
-- a tag's readable articles, newest first, in about 20 index entries. The
-- store writes the copy in the same transaction as every write of an
-- article or its tags (store.syncArchives).
CREATE TABLE tag_articles (
    article_id   BIGINT UNSIGNED NOT NULL,
    tag_id       BIGINT UNSIGNED NOT NULL,
    status       VARCHAR(16) NOT NULL,
    published_at DATETIME(6) NULL,
    expires_at   DATETIME(6) NULL,
    deleted_at   DATETIME(6) NULL,
    PRIMARY KEY (article_id, tag_id),
    KEY ix_tag_articles_page (tag_id, status, deleted_at, published_at, article_id, expires_at),
    KEY ix_tag_articles_expiry (tag_id, status, deleted_at, expires_at, published_at),
    CONSTRAINT fk_tag_articles_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_tag_articles_tag FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A tag's published articles (status PUBLISHED, not deleted, with a
-- publication time), whatever the time: a tag page's total is this less
-- the few the index finds not yet out or already expired.
CREATE TABLE tag_article_counts (
    tag_id    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    published BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT fk_tag_article_counts_tag FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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
