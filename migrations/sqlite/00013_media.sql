-- +goose Up
-- The media library: one row per uploaded picture; the original's bytes and
-- its renditions live in the blob store (--media), not here.
CREATE TABLE images (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    blob_key    TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    mime_type   TEXT NOT NULL,
    bytes       INTEGER NOT NULL,
    filename    TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL DEFAULT '',
    alt         TEXT NOT NULL DEFAULT '',
    caption     TEXT NOT NULL DEFAULT '',
    credit      TEXT NOT NULL DEFAULT '',
    focal_x     REAL NOT NULL DEFAULT 0.5,
    focal_y     REAL NOT NULL DEFAULT 0.5,
    placeholder TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_images_key ON images (blob_key);
CREATE INDEX ix_images_created ON images (created_at, id);

-- An article's cover may be a library picture; the library refuses to
-- delete a picture an article uses (IN_USE), so no cascade here.
ALTER TABLE articles ADD COLUMN cover_image_id INTEGER NULL REFERENCES images (id);
CREATE INDEX ix_articles_cover_image ON articles (cover_image_id);

-- +goose Down
DROP INDEX ix_articles_cover_image;
ALTER TABLE articles DROP COLUMN cover_image_id;
DROP TABLE images;
