-- +goose Up
-- Distribution: SEO fields an editor may set on an article (empty: fall
-- back to the headline, standfirst and cover), the article's earlier slugs
-- (old links redirect to the current address), editors' manual redirects,
-- and corrections published under an article.
ALTER TABLE articles
    ADD COLUMN seo_title       VARCHAR(300) NOT NULL DEFAULT '',
    ADD COLUMN seo_description VARCHAR(1000) NOT NULL DEFAULT '',
    ADD COLUMN seo_image       VARCHAR(2048) NOT NULL DEFAULT '',
    ADD COLUMN seo_noindex     BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per earlier slug; a slug an article gives up points to it until
-- another article takes it (the current owner of a slug always wins).
CREATE TABLE article_slugs (
    slug       VARCHAR(191) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
    article_id BIGINT UNSIGNED NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY ix_article_slugs_article (article_id),
    CONSTRAINT fk_article_slugs_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Paths are case-sensitive: compared byte for byte.
CREATE TABLE redirects (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    from_path   VARCHAR(700) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    location    VARCHAR(2048) NOT NULL,
    status_code SMALLINT NOT NULL,
    created_by  VARCHAR(100) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL,
    UNIQUE KEY uq_redirects_from (from_path)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE article_corrections (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    article_id BIGINT UNSIGNED NOT NULL,
    text       TEXT NOT NULL,
    created_by VARCHAR(100) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    KEY ix_article_corrections_article (article_id, created_at, id),
    CONSTRAINT fk_article_corrections_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE article_corrections;
DROP TABLE redirects;
DROP TABLE article_slugs;
ALTER TABLE articles DROP COLUMN seo_title, DROP COLUMN seo_description, DROP COLUMN seo_image, DROP COLUMN seo_noindex;
