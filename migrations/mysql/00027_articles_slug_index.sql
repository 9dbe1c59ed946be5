-- +goose Up
-- Slugs are unique per locale (uq_articles_locale_slug leads with the
-- locale), but links between articles name a slug alone: read-also links
-- and the links in a body (content.ArticlesBySlugs, on every article page
-- whose body links to another article), the related engine's link
-- targets (on every save) and translations. Without an index that leads
-- with the slug, each of those read every entry of ix_articles_search.
CREATE INDEX ix_articles_slug ON articles (slug);

-- +goose Down
DROP INDEX ix_articles_slug ON articles;
