-- name: ListFeed :many
SELECT * FROM posts WHERE status = 'published' LIMIT 20 OFFSET $1;

-- name: SearchUsers :many
SELECT id, email FROM users WHERE email LIKE '%' || $1 || '%';

-- name: UsersWithoutOrders :many
SELECT id, email FROM users WHERE id NOT IN (SELECT user_id FROM orders);

-- name: ResetDrafts :exec
UPDATE posts SET status = 'draft';
