-- +goose Up
-- An index that leads with the slug, for links that name a slug alone
-- (see migrations/mysql/00027_articles_slug_index.sql). Without it SQLite
-- read the whole articles table, bodies and all, for each such lookup.
CREATE INDEX ix_articles_slug ON articles (slug);

-- +goose Down
DROP INDEX ix_articles_slug;
