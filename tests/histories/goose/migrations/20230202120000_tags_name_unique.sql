-- +goose Up
CREATE UNIQUE INDEX tags_lower_name_key ON tags (lower(name));

-- +goose Down
DROP INDEX tags_lower_name_key;
