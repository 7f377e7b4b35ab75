-- +goose Up
CREATE INDEX comments_user_id_idx ON comments (user_id);
ALTER TABLE comments ADD COLUMN edited_at timestamptz;

-- +goose Down
DROP INDEX comments_user_id_idx;
ALTER TABLE comments DROP COLUMN edited_at;
