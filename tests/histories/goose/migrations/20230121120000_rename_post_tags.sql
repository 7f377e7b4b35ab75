-- +goose Up
ALTER TABLE post_tags RENAME TO posts_tags;

-- +goose Down
ALTER TABLE posts_tags RENAME TO post_tags;
