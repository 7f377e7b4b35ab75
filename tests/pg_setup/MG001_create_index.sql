CREATE INDEX idx_posts_legacy ON posts (kind);
