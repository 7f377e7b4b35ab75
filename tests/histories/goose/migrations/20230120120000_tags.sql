-- +goose Up
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE post_tags (post_id bigint NOT NULL REFERENCES posts (id), tag_id bigint NOT NULL REFERENCES tags (id), PRIMARY KEY (post_id, tag_id));
INSERT INTO tags (name) SELECT 'tag' || g FROM generate_series(1, 50) g;
INSERT INTO post_tags SELECT p, 1 + p % 50 FROM generate_series(1, 6000) p;

-- +goose Down
DROP TABLE post_tags;
DROP TABLE tags;
