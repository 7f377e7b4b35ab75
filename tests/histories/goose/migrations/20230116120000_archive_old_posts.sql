-- +goose Up
UPDATE posts SET state = 'archived' WHERE created_at < now() - interval '30 days' AND state = 'draft';

-- +goose Down
SELECT 1;
