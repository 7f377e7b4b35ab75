-- +goose Up
CREATE VIEW published_posts AS
SELECT p.id, p.title, u.display_name AS author
FROM posts p JOIN users u ON u.id = p.user_id
WHERE p.state = 'published';

-- +goose Down
DROP VIEW published_posts;
