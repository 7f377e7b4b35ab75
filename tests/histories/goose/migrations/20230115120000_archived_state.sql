-- +goose Up
ALTER TYPE post_state ADD VALUE 'archived';

-- +goose Down
SELECT 1;
