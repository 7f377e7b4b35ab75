-- +goose Up
ALTER TABLE posts ADD COLUMN published_at timestamptz;
UPDATE posts SET published_at = created_at WHERE state = 'published';

-- +goose Down
ALTER TABLE posts DROP COLUMN published_at;
