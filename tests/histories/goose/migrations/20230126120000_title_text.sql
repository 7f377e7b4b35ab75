-- +goose Up
ALTER TABLE posts ALTER COLUMN title TYPE text;

-- +goose Down
ALTER TABLE posts ALTER COLUMN title TYPE varchar(200);
