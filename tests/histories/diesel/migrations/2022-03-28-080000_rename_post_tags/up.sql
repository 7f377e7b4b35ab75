ALTER TABLE post_tags RENAME TO taggings;
