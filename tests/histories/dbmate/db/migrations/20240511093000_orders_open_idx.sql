-- migrate:up
CREATE INDEX orders_open_idx ON orders (created_at) WHERE status = 'new';

-- migrate:down
DROP INDEX orders_open_idx;
