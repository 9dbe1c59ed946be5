-- +goose Up
-- Live blogs: contributors' entries and the pictures entries show.
--
-- contributors_may_post: an editor lets contributors post to this live blog
-- (and correct and delete the entries they posted or are credited on).
-- created_by_account_id: the account that posted an entry (NULL for tokens
-- without an account and entries from before this migration).
ALTER TABLE live_blogs ADD COLUMN contributors_may_post BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE live_entries ADD COLUMN created_by_account_id BIGINT UNSIGNED NULL;

-- The library pictures each entry's body shows, rewritten on every save
-- like article_images: deleteImage refuses a picture a shown entry of a
-- live article shows (IN_USE). Entries saved before this migration have
-- images_recorded = FALSE and no rows here; the check reads their bodies
-- instead (through ix_live_entries_images_recorded, so only those rows).
ALTER TABLE live_entries ADD COLUMN images_recorded BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX ix_live_entries_images_recorded ON live_entries (images_recorded, id);

CREATE TABLE live_entry_images (
    entry_id BIGINT UNSIGNED NOT NULL,
    image_id BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (entry_id, image_id),
    KEY ix_live_entry_images_image (image_id),
    CONSTRAINT fk_live_entry_images_entry FOREIGN KEY (entry_id) REFERENCES live_entries (id) ON DELETE CASCADE,
    CONSTRAINT fk_live_entry_images_image FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE live_entry_images;
DROP INDEX ix_live_entries_images_recorded ON live_entries;
ALTER TABLE live_entries DROP COLUMN images_recorded;
ALTER TABLE live_entries DROP COLUMN created_by_account_id;
ALTER TABLE live_blogs DROP COLUMN contributors_may_post;
