-- +goose Up
ALTER TABLE users ADD COLUMN bio text;

-- +goose Down
ALTER TABLE users DROP COLUMN bio;
