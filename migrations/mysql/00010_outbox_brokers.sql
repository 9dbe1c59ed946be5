-- +goose Up
-- The brokers the outbox relays publish to, one row per broker identity
-- (consumer 'broker:memory:…' for one process's in-memory broker,
-- 'broker:redis:HOST:PORT/DB#STREAM', 'broker:nats:HOSTS#STREAM'). Every
-- change marks its events pending for each registered broker, so a replica
-- on another broker cannot take them away; replicas on the same Redis stream
-- or NATS stream share one identity and so one backlog. A row whose owner
-- stopped renewing it expires, and its pending marks go with it.
-- The row with the empty consumer is a lock anchor: writers read every row
-- with a shared lock, registration locks them all exclusively, so a new
-- broker never misses an event committed after it registered.
CREATE TABLE outbox_brokers (
    consumer   VARCHAR(191) NOT NULL PRIMARY KEY,
    seen_at    DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO outbox_brokers (consumer, seen_at, expires_at) VALUES ('', '1970-01-02 00:00:00', '9999-12-31 00:00:00');

-- Broker identities are longer than the old consumer names.
ALTER TABLE outbox_pending MODIFY consumer VARCHAR(191) NOT NULL;

-- +goose Down
DELETE FROM outbox_pending WHERE consumer LIKE 'broker:%';
ALTER TABLE outbox_pending MODIFY consumer VARCHAR(40) NOT NULL;
DROP TABLE outbox_brokers;
