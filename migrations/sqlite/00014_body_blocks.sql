-- +goose Up
-- The article body as structured blocks (JSON), derived from the Markdown
-- on save like body_html and body_text, so reads never parse Markdown.
-- Rows saved before this column existed hold '' and are parsed on read.
ALTER TABLE articles ADD COLUMN body_blocks TEXT NOT NULL DEFAULT '';

-- The library pictures each article's body shows (![alt](media:ID)),
-- rewritten on every save: the library refuses to delete a picture a live
-- article shows (a deleted article lets go of it: its row goes too).
CREATE TABLE article_images (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    image_id   INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    PRIMARY KEY (article_id, image_id)
);
CREATE INDEX ix_article_images_image ON article_images (image_id);

-- +goose Down
DROP TABLE article_images;
ALTER TABLE articles DROP COLUMN body_blocks;
