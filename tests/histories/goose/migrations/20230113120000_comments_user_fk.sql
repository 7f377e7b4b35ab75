-- +goose Up
ALTER TABLE comments ADD CONSTRAINT comments_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);

-- +goose Down
ALTER TABLE comments DROP CONSTRAINT comments_user_id_fkey;
