-- +goose Up
-- Author pages that do not grow with the archive (issue 18). An author's
-- articles were found through article_authors and checked one by one in
-- articles, then sorted by publication time: a page of 20 read the whole
-- archive, and its total counted it again. author_articles keeps, for each
-- credit, a copy of the columns the reader rule (store/visibility.go)
-- looks at; ix_author_articles_page answers a page of an author's
-- readable articles, newest first, in about 20 index entries. The store
-- writes the copy in the same transaction as every write of an article
-- or its byline (store.syncAuthorArticles).
CREATE TABLE author_articles (
    article_id   BIGINT UNSIGNED NOT NULL,
    author_id    BIGINT UNSIGNED NOT NULL,
    status       VARCHAR(16) NOT NULL,
    published_at DATETIME(6) NULL,
    expires_at   DATETIME(6) NULL,
    deleted_at   DATETIME(6) NULL,
    PRIMARY KEY (article_id, author_id),
    KEY ix_author_articles_page (author_id, status, deleted_at, published_at, article_id, expires_at),
    KEY ix_author_articles_expiry (author_id, status, deleted_at, expires_at, published_at),
    CONSTRAINT fk_author_articles_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_author_articles_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An author's published credits (status PUBLISHED, not deleted, with a
-- publication time), whatever the time: an author page's total is this
-- less the few the index finds not yet out or already expired.
CREATE TABLE author_article_counts (
    author_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    published BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT fk_author_article_counts_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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
