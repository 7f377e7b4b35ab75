CREATE INDEX comments_live_post_idx ON comments (post_id) WHERE deleted_at IS NULL;
