-- +goose Up
CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id bigint,
    body text NOT NULL,
    deleted_at timestamptz
);
INSERT INTO comments (post_id, user_id, body)
SELECT 1 + g % 6000, 1 + g % 3000, 'nice' FROM generate_series(1, 8000) g;

-- +goose Down
DROP TABLE comments;
