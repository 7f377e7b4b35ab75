DROP INDEX comments_live_post_idx;
