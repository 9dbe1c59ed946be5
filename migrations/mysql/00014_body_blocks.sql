-- +goose Up
-- The article body as structured blocks (JSON), derived from the Markdown
-- on save like body_html and body_text, so reads never parse Markdown.
-- Rows saved before this column existed hold '' and are parsed on read.
ALTER TABLE articles ADD COLUMN body_blocks MEDIUMTEXT NOT NULL DEFAULT ('');

-- +goose Down
ALTER TABLE articles DROP COLUMN body_blocks;
