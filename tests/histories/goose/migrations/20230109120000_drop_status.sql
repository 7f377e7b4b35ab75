-- +goose Up
ALTER TABLE posts DROP COLUMN status;

-- +goose Down
ALTER TABLE posts ADD COLUMN status text NOT NULL DEFAULT 'draft';
