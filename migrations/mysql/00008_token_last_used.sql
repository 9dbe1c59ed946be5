-- +goose Up
-- When each token was last used (to the minute), so an admin can tell
-- a forgotten token from a busy one before revoking it.
ALTER TABLE api_tokens ADD COLUMN last_used_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN last_used_at;
