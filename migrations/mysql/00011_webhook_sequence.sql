-- +goose Up
-- Every delivery carries a sequence number, increasing per webhook in the
-- order deliveries are queued, so a receiver can put events in order (and
-- retries or parallel attempts can reach it out of order).
-- webhooks.last_sequence is the last number handed out.
ALTER TABLE webhooks ADD COLUMN last_sequence BIGINT UNSIGNED NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN sequence BIGINT UNSIGNED NOT NULL DEFAULT 0;

-- Number the deliveries queued so far in the order they were queued.
UPDATE webhook_deliveries d
JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY webhook_id ORDER BY id) AS n FROM webhook_deliveries) x ON x.id = d.id
SET d.sequence = x.n;
UPDATE webhooks w SET last_sequence = (SELECT COALESCE(MAX(d.sequence), 0) FROM webhook_deliveries d WHERE d.webhook_id = w.id);

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN sequence;
ALTER TABLE webhooks DROP COLUMN last_sequence;
