-- +goose Up
-- When a token stops working by itself (NULL: never), so a token handed to
-- a contractor or a preview build need not be remembered to be revoked.
ALTER TABLE api_tokens ADD COLUMN expires_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE api_tokens DROP COLUMN expires_at;
