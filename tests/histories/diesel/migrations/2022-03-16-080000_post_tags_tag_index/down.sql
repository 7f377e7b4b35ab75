DROP INDEX post_tags_tag_id_idx;
