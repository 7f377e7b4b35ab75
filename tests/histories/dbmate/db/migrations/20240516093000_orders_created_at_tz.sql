-- migrate:up
ALTER TABLE orders ALTER COLUMN created_at TYPE timestamptz;

-- migrate:down
ALTER TABLE orders ALTER COLUMN created_at TYPE timestamp;
