-- +goose Up
-- Old slugs per locale (see the MySQL migration). SQLite cannot change a
-- primary key, so the table is rebuilt (https://sqlite.org/lang_altertable.html#otheralter);
-- no table refers to article_slugs. Existing rows get their article's locale.
CREATE TABLE article_slugs_new (
    locale     TEXT NOT NULL DEFAULT '',
    slug       TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (locale, slug)
);
INSERT INTO article_slugs_new (locale, slug, article_id, created_at)
    SELECT a.locale, s.slug, s.article_id, s.created_at FROM article_slugs s JOIN articles a ON a.id = s.article_id;
DROP TABLE article_slugs;
ALTER TABLE article_slugs_new RENAME TO article_slugs;
CREATE INDEX ix_article_slugs_article ON article_slugs (article_id);

-- +goose Down
-- Back to one history for all locales: of slugs kept in several locales,
-- the most recent wins.
CREATE TABLE article_slugs_old (
    slug       TEXT NOT NULL PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
INSERT INTO article_slugs_old (slug, article_id, created_at)
    SELECT slug, article_id, created_at FROM article_slugs s
    WHERE NOT EXISTS (SELECT 1 FROM article_slugs n WHERE n.slug = s.slug
        AND (n.created_at > s.created_at OR (n.created_at = s.created_at AND n.locale > s.locale)));
DROP TABLE article_slugs;
ALTER TABLE article_slugs_old RENAME TO article_slugs;
CREATE INDEX ix_article_slugs_article ON article_slugs (article_id);
