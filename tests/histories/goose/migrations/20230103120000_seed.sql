-- +goose Up
INSERT INTO users (email, name, created_at)
SELECT 'user' || g || '@example.com', 'User ' || g, now() - g * interval '1 hour'
FROM generate_series(1, 3000) g;
INSERT INTO posts (user_id, title, body, status, created_at)
SELECT 1 + g % 3000, 'Post ' || g, repeat('text ', 20), CASE WHEN g % 3 = 0 THEN 'draft' ELSE 'published' END,
       now() - g * interval '10 minutes'
FROM generate_series(1, 6000) g;

-- +goose Down
DELETE FROM posts;
DELETE FROM users;
