CREATE INDEX CONCURRENTLY idx_posts_old ON posts (created_at);
CREATE INDEX CONCURRENTLY idx_posts_title ON posts (title);
CREATE TABLE t (a int, b int);
INSERT INTO t SELECT g, g FROM generate_series(1, 3000) g;
