-- +goose Up
-- Live blogs: contributors' entries and the pictures entries show (see
-- migrations/mysql/00026_liveblog_contributors_images.sql).
ALTER TABLE live_blogs ADD COLUMN contributors_may_post BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE live_entries ADD COLUMN created_by_account_id INTEGER NULL;
ALTER TABLE live_entries ADD COLUMN images_recorded BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX ix_live_entries_images_recorded ON live_entries (images_recorded, id);

CREATE TABLE live_entry_images (
    entry_id INTEGER NOT NULL REFERENCES live_entries (id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, image_id)
);
CREATE INDEX ix_live_entry_images_image ON live_entry_images (image_id);

-- +goose Down
DROP TABLE live_entry_images;
DROP INDEX ix_live_entries_images_recorded;
ALTER TABLE live_entries DROP COLUMN images_recorded;
ALTER TABLE live_entries DROP COLUMN created_by_account_id;
ALTER TABLE live_blogs DROP COLUMN contributors_may_post;
