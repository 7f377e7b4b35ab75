CREATE INDEX CONCURRENTLY idx_posts_legacy ON posts (kind);
CREATE INDEX CONCURRENTLY idx_a ON posts (title);
CREATE INDEX CONCURRENTLY idx_b ON posts (kind);
CREATE INDEX CONCURRENTLY idx_d ON posts (author_id);
