-- +goose Up
UPDATE posts SET state = 'published' WHERE status = 'published';

-- +goose Down
SELECT 1;
