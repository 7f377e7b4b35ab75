-- +goose Up
ALTER TABLE users DROP COLUMN bio;

-- +goose Down
ALTER TABLE users ADD COLUMN bio text;
