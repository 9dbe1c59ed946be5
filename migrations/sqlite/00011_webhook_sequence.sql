-- +goose Up
-- Per-webhook delivery sequence numbers (see
-- migrations/mysql/00011_webhook_sequence.sql).
ALTER TABLE webhooks ADD COLUMN last_sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;

UPDATE webhook_deliveries SET sequence = (
    SELECT COUNT(*) FROM webhook_deliveries d
    WHERE d.webhook_id = webhook_deliveries.webhook_id AND d.id <= webhook_deliveries.id);
UPDATE webhooks SET last_sequence = (
    SELECT COALESCE(MAX(d.sequence), 0) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id);

-- +goose Down
ALTER TABLE webhook_deliveries DROP COLUMN sequence;
ALTER TABLE webhooks DROP COLUMN last_sequence;
