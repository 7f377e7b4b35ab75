-- migrate:up
CREATE INDEX orders_refunded_idx ON orders (created_at) WHERE status = 'refunded';

-- migrate:down
DROP INDEX orders_refunded_idx;
