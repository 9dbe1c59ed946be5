-- +goose Up
-- The media library: one row per uploaded picture; the original's bytes and
-- its renditions live in the blob store (--media), not here.
CREATE TABLE images (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    blob_key    VARCHAR(255) NOT NULL,
    width       INT NOT NULL,
    height      INT NOT NULL,
    mime_type   VARCHAR(64) NOT NULL,
    bytes       BIGINT NOT NULL,
    filename    VARCHAR(255) NOT NULL DEFAULT '',
    sha256      CHAR(64) NOT NULL DEFAULT '',
    alt         VARCHAR(1024) NOT NULL DEFAULT '',
    caption     VARCHAR(2048) NOT NULL DEFAULT '',
    credit      VARCHAR(255) NOT NULL DEFAULT '',
    focal_x     DOUBLE NOT NULL DEFAULT 0.5,
    focal_y     DOUBLE NOT NULL DEFAULT 0.5,
    placeholder TEXT NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    updated_at  DATETIME(6) NOT NULL,
    UNIQUE KEY uq_images_key (blob_key),
    KEY ix_images_created (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An article's cover may be a library picture; the library refuses to
-- delete a picture an article uses (IN_USE), so no cascade here.
ALTER TABLE articles ADD COLUMN cover_image_id BIGINT UNSIGNED NULL,
    ADD KEY ix_articles_cover_image (cover_image_id),
    ADD CONSTRAINT fk_articles_cover_image FOREIGN KEY (cover_image_id) REFERENCES images (id);

-- +goose Down
ALTER TABLE articles DROP FOREIGN KEY fk_articles_cover_image, DROP KEY ix_articles_cover_image, DROP COLUMN cover_image_id;
DROP TABLE images;
