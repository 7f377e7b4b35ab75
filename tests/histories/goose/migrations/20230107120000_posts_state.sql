-- +goose Up
ALTER TABLE posts ADD COLUMN state post_state NOT NULL DEFAULT 'draft';

-- +goose Down
ALTER TABLE posts DROP COLUMN state;
