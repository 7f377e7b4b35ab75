-- +goose Up
DROP INDEX posts_user_id_idx;
CREATE INDEX posts_user_id_created_idx ON posts (user_id, created_at DESC);

-- +goose Down
DROP INDEX posts_user_id_created_idx;
CREATE INDEX posts_user_id_idx ON posts (user_id);
