-- +goose Up
-- Translations (issue 16): each article has a locale (a BCP 47 tag) and a
-- translation group (the id of the group's first article; 0 for an
-- article with no translation). Existing rows get '' here and the server's
-- default locale when it starts (store.AssignDefaultLocale), since the
-- default is configuration, not schema.
--
-- Readers are never locked out (LOCK=SHARED): the articles table carries
-- FULLTEXT indexes (migration 00003), and with them InnoDB can neither add
-- a column in place nor instantly ("InnoDB presently supports one FULLTEXT
-- index creation at a time"), so the table is copied once, with every
-- change below in the same copy. Reads go on during the copy; writes wait
-- for it (about two seconds for 10,000 articles: docs/translations.md says
-- how it was measured).
--
-- Slugs are unique per locale, not globally: "/fr/budget" and "/en/budget"
-- may both exist. The locale's own reader list and the search's covering
-- index gain the locale (and the group, for related-article candidates).
ALTER TABLE articles
    ADD COLUMN locale VARCHAR(35) NOT NULL DEFAULT '',
    ADD COLUMN translation_group BIGINT UNSIGNED NOT NULL DEFAULT 0,
    DROP INDEX uq_articles_slug,
    ADD UNIQUE KEY uq_articles_locale_slug (locale, slug),
    ADD KEY ix_articles_translation_group (translation_group),
    ADD KEY ix_articles_locale_status_published (locale, status, published_at, id, deleted_at),
    DROP INDEX ix_articles_search,
    ADD INDEX ix_articles_search (id, status, published_at, deleted_at, category_id, created_at, slug, locale, translation_group),
    ALGORITHM=COPY, LOCK=SHARED;

-- Section and tag names per locale; the default locale's are the
-- categories' and tags' own columns.
CREATE TABLE category_translations (
    category_id BIGINT UNSIGNED NOT NULL,
    locale      VARCHAR(35) NOT NULL,
    name        VARCHAR(255) NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (category_id, locale),
    CONSTRAINT fk_category_translations_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tag_translations (
    tag_id BIGINT UNSIGNED NOT NULL,
    locale VARCHAR(35) NOT NULL,
    name   VARCHAR(255) NOT NULL,
    PRIMARY KEY (tag_id, locale),
    CONSTRAINT fk_tag_translations_tag FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE tag_translations;
DROP TABLE category_translations;
ALTER TABLE articles
    DROP INDEX ix_articles_search,
    ADD INDEX ix_articles_search (id, status, published_at, deleted_at, category_id, created_at, slug),
    DROP INDEX ix_articles_locale_status_published,
    DROP INDEX ix_articles_translation_group,
    DROP INDEX uq_articles_locale_slug,
    ADD UNIQUE KEY uq_articles_slug (slug),
    DROP COLUMN translation_group,
    DROP COLUMN locale,
    ALGORITHM=COPY, LOCK=SHARED;
