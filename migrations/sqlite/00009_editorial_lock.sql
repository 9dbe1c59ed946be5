-- +goose Up
-- The MySQL schema's lock row for editorial write transactions.
-- SQLite runs one write transaction at a time, so it is never locked here;
-- the table keeps the two schemas alike.
CREATE TABLE editorial_lock (
    id INTEGER NOT NULL PRIMARY KEY
);
INSERT INTO editorial_lock (id) VALUES (1);

-- +goose Down
DROP TABLE editorial_lock;
