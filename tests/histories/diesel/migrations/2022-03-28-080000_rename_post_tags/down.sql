ALTER TABLE taggings RENAME TO post_tags;
