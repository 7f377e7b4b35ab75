-- +goose Up
CREATE INDEX posts_user_id_idx ON posts (user_id);

-- +goose Down
DROP INDEX posts_user_id_idx;
