-- +goose Up
ALTER TABLE comments ADD CONSTRAINT comments_body_length CHECK (length(body) < 10000) NOT VALID;
ALTER TABLE comments VALIDATE CONSTRAINT comments_body_length;

-- +goose Down
ALTER TABLE comments DROP CONSTRAINT comments_body_length;
