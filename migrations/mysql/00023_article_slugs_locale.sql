-- +goose Up
-- Old slugs per locale (issue 16): an article's earlier slug is kept in its
-- locale, so that one language's rename or new slug never takes away
-- another language's old address. Existing rows get their article's locale
-- ('' for articles that have none yet: store.AssignDefaultLocale gives
-- both the default locale when the server starts).
ALTER TABLE article_slugs
    ADD COLUMN locale VARCHAR(35) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' FIRST;
UPDATE article_slugs s JOIN articles a ON a.id = s.article_id SET s.locale = a.locale;
ALTER TABLE article_slugs DROP PRIMARY KEY, ADD PRIMARY KEY (locale, slug);

-- +goose Down
-- Back to one history for all locales: of slugs kept in several locales,
-- the most recent wins.
DELETE s FROM article_slugs s JOIN article_slugs n
    ON n.slug = s.slug AND (n.created_at > s.created_at OR (n.created_at = s.created_at AND n.locale > s.locale));
ALTER TABLE article_slugs DROP PRIMARY KEY, ADD PRIMARY KEY (slug);
ALTER TABLE article_slugs DROP COLUMN locale;
