-- +goose Up
CREATE TABLE categories (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slug        VARCHAR(191) NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    position    INT NOT NULL DEFAULT 0,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    UNIQUE KEY uq_categories_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE authors (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slug       VARCHAR(191) NOT NULL,
    name       VARCHAR(255) NOT NULL,
    bio        TEXT NOT NULL,
    avatar_url VARCHAR(2048) NOT NULL DEFAULT '',
    job_title  VARCHAR(255) NOT NULL DEFAULT '',
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    deleted_at DATETIME(6) NULL,
    UNIQUE KEY uq_authors_slug (slug),
    KEY ix_authors_name (name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tags (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slug       VARCHAR(191) NOT NULL,
    name       VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_tags_slug (slug),
    KEY ix_tags_name (name, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE articles (
    id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    slug                 VARCHAR(191) NOT NULL,
    title                VARCHAR(500) NOT NULL,
    subtitle             VARCHAR(1000) NOT NULL DEFAULT '',
    body                 MEDIUMTEXT NOT NULL,
    body_html            MEDIUMTEXT NOT NULL,
    excerpt              TEXT NOT NULL,
    status               VARCHAR(16) NOT NULL,
    published_at         DATETIME(6) NULL,
    created_at           DATETIME(6) NOT NULL,
    updated_at           DATETIME(6) NOT NULL,
    deleted_at           DATETIME(6) NULL,
    reading_time_minutes INT NOT NULL DEFAULT 0,
    word_count           INT NOT NULL DEFAULT 0,
    cover_url            VARCHAR(2048) NOT NULL DEFAULT '',
    cover_alt            VARCHAR(512) NOT NULL DEFAULT '',
    cover_caption        VARCHAR(1024) NOT NULL DEFAULT '',
    cover_credit         VARCHAR(255) NOT NULL DEFAULT '',
    canonical_url        VARCHAR(2048) NOT NULL DEFAULT '',
    category_id          BIGINT UNSIGNED NULL,
    version              INT NOT NULL DEFAULT 1,
    UNIQUE KEY uq_articles_slug (slug),
    -- Reader lists: newest published first, optionally per section.
    KEY ix_articles_status_published (status, published_at, id),
    KEY ix_articles_category_status_published (category_id, status, published_at, id),
    -- Editor lists ordered by last change or title.
    KEY ix_articles_updated (updated_at, id),
    KEY ix_articles_status_title (status, title(191), id),
    CONSTRAINT fk_articles_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE article_authors (
    article_id BIGINT UNSIGNED NOT NULL,
    author_id  BIGINT UNSIGNED NOT NULL,
    position   INT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, author_id),
    KEY ix_article_authors_author (author_id, article_id),
    CONSTRAINT fk_article_authors_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_article_authors_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE article_tags (
    article_id BIGINT UNSIGNED NOT NULL,
    tag_id     BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (article_id, tag_id),
    KEY ix_article_tags_tag (tag_id, article_id),
    CONSTRAINT fk_article_tags_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_article_tags_tag FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE article_tags;
DROP TABLE article_authors;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE authors;
DROP TABLE categories;
