-- +goose Up
-- The event outbox: every change to content writes its events here in the
-- same transaction as the change, so an event exists exactly when its change
-- does. seq orders events; event_id (a UUID) identifies one across brokers,
-- replicas and retries, so a duplicate delivery is recognisable.
CREATE TABLE outbox_events (
    seq         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id    CHAR(36) NOT NULL,
    type        VARCHAR(60) NOT NULL,
    object_type VARCHAR(40) NOT NULL,
    object_id   BIGINT UNSIGNED NOT NULL,
    actor       VARCHAR(100) NOT NULL DEFAULT '',
    payload     TEXT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    UNIQUE KEY uq_outbox_events_event_id (event_id),
    KEY ix_outbox_events_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per event and consumer that has not handled it yet (the broker
-- relay now; webhooks later). A consumer deletes its row once the event is
-- handed on, so what is left is exactly the backlog.
CREATE TABLE outbox_pending (
    consumer  VARCHAR(40) NOT NULL,
    event_seq BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (consumer, event_seq),
    CONSTRAINT fk_outbox_pending_event FOREIGN KEY (event_seq) REFERENCES outbox_events (seq) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE outbox_pending;
DROP TABLE outbox_events;
