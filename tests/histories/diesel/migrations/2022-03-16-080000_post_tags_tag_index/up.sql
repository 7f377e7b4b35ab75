CREATE INDEX post_tags_tag_id_idx ON post_tags (tag_id);
