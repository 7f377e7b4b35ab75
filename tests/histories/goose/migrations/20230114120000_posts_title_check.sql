-- +goose Up
ALTER TABLE posts ADD CONSTRAINT posts_title_not_blank CHECK (length(trim(title)) > 0);

-- +goose Down
ALTER TABLE posts DROP CONSTRAINT posts_title_not_blank;
