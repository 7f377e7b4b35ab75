-- +goose Up
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    user_id bigint REFERENCES users (id),
    title varchar(200) NOT NULL,
    body text,
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE posts;
