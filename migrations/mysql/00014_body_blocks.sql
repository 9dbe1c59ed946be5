-- +goose Up
-- The article body as structured blocks (JSON), derived from the Markdown
-- on save like body_html and body_text, so reads never parse Markdown.
-- Rows saved before this column existed hold '' and are parsed on read.
ALTER TABLE articles ADD COLUMN body_blocks MEDIUMTEXT NOT NULL DEFAULT ('');

-- The library pictures each article's body shows (![alt](media:ID)),
-- rewritten on every save: the library refuses to delete a picture a live
-- article shows (a deleted article lets go of it: its row goes too).
CREATE TABLE article_images (
    article_id BIGINT UNSIGNED NOT NULL,
    image_id   BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (article_id, image_id),
    KEY ix_article_images_image (image_id),
    CONSTRAINT fk_article_images_article FOREIGN KEY (article_id) REFERENCES articles (id) ON DELETE CASCADE,
    CONSTRAINT fk_article_images_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE article_images;
ALTER TABLE articles DROP COLUMN body_blocks;
