-- +goose Up
-- The brokers the outbox relays publish to (see
-- migrations/mysql/00010_outbox_brokers.sql). SQLite runs one write
-- transaction at a time, so the anchor row is never locked here; it keeps
-- the two schemas alike.
CREATE TABLE outbox_brokers (
    consumer   TEXT NOT NULL PRIMARY KEY,
    seen_at    DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
INSERT INTO outbox_brokers (consumer, seen_at, expires_at) VALUES ('', '1970-01-02 00:00:00', '9999-12-31 00:00:00');

-- +goose Down
DELETE FROM outbox_pending WHERE consumer LIKE 'broker:%';
DROP TABLE outbox_brokers;
