CREATE INDEX idx_posts_legacy ON posts (kind);
CREATE INDEX idx_a ON posts (title);
CREATE INDEX idx_b ON posts (kind);
CREATE INDEX idx_d ON posts (author_id);
