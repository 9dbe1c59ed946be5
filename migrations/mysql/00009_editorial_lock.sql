-- +goose Up
-- One row that every editorial write transaction locks first (SELECT …
-- FOR UPDATE), so concurrent saves take turns instead of deadlocking on
-- the rows they share: other articles' related-article suggestion lists,
-- new tags, link tables.
CREATE TABLE editorial_lock (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY
) ENGINE=InnoDB;
INSERT INTO editorial_lock (id) VALUES (1);

-- +goose Down
DROP TABLE editorial_lock;
