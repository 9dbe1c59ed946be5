-- +goose Up
-- The reader's lists and their totals filter on deleted_at as well as
-- status and published_at. With deleted_at at the end of the list indexes
-- (after id, so the published_at, id order is kept) their counts are read
-- from the index alone instead of from every article row.
DROP INDEX ix_articles_status_published;
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id, deleted_at);
DROP INDEX ix_articles_category_status_published;
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id, deleted_at);

-- +goose Down
DROP INDEX ix_articles_status_published;
CREATE INDEX ix_articles_status_published ON articles (status, published_at, id);
DROP INDEX ix_articles_category_status_published;
CREATE INDEX ix_articles_category_status_published ON articles (category_id, status, published_at, id);
