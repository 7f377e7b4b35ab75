DROP INDEX posts_published_idx;
