-- +goose Up
-- Section totals that do not grow with the section (issue 18). A section
-- front's page is read in order from ix_articles_category_status_published,
-- but its totalCount counted every article of the section on each uncached
-- request: about 1,400 index entries for a section of a 10,000-article
-- site, more of MariaDB's CPU than the page itself. category_articles is
-- the archive index of 00024 and 00028 for sections (a copy of the reader
-- rule's columns per article with a section) and category_article_counts
-- each section's published articles; the total is the kept count less the
-- few not yet out or already expired. The store writes both in the
-- transaction of every write of an article (store.syncArchives).
CREATE TABLE category_articles (
    article_id   BIGINT UNSIGNED NOT NULL,
    category_id  BIGINT UNSIGNED NOT NULL,
    status       VARCHAR(16) NOT NULL,
    published_at DATETIME(6) NULL,
    expires_at   DATETIME(6) NULL,
    deleted_at   DATETIME(6) NULL,
    PRIMARY KEY (article_id, category_id),
    KEY ix_category_articles_page (category_id, status, deleted_at, published_at, article_id, expires_at),
    KEY ix_category_articles_expiry (category_id, status, deleted_at, expires_at, published_at),
    CONSTRAINT fk_category_articles_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_category_articles_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE category_article_counts (
    category_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    published   BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT fk_category_article_counts_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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
