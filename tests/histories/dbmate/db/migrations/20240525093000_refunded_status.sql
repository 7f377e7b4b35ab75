-- migrate:up
ALTER TYPE order_status ADD VALUE 'refunded';

-- migrate:down
SELECT 1;
