-- +goose Up
CREATE TYPE post_state AS ENUM ('draft', 'published');

-- +goose Down
DROP TYPE post_state;
