-- +goose Up
CREATE TABLE categories (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);

CREATE TABLE authors (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    bio        TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',
    job_title  TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    deleted_at DATETIME NULL
);
CREATE INDEX ix_authors_name ON authors (name, id);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX ix_tags_name ON tags (name, id);

CREATE TABLE articles (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT NOT NULL UNIQUE,
    title                TEXT NOT NULL,
    subtitle             TEXT NOT NULL DEFAULT '',
    body                 TEXT NOT NULL DEFAULT '',
    body_html            TEXT NOT NULL DEFAULT '',
    excerpt              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL,
    published_at         DATETIME NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    deleted_at           DATETIME NULL,
    reading_time_minutes INTEGER NOT NULL DEFAULT 0,
    word_count           INTEGER NOT NULL DEFAULT 0,
    cover_url            TEXT NOT NULL DEFAULT '',
    cover_alt            TEXT NOT NULL DEFAULT '',
    cover_caption        TEXT NOT NULL DEFAULT '',
    cover_credit         TEXT NOT NULL DEFAULT '',
    canonical_url        TEXT NOT NULL DEFAULT '',
    category_id          INTEGER NULL REFERENCES categories (id) ON DELETE SET NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id);
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id);
CREATE INDEX ix_articles_updated ON articles (updated_at, id);
CREATE INDEX ix_articles_status_title ON articles (status, title, id);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX ix_article_authors_author ON article_authors (author_id, article_id);

CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX ix_article_tags_tag ON article_tags (tag_id, article_id);

-- +goose Down
DROP TABLE article_tags;
DROP TABLE article_authors;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE authors;
DROP TABLE categories;
