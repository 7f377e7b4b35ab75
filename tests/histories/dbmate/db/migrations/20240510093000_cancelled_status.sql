-- migrate:up
ALTER TYPE order_status ADD VALUE 'cancelled';

-- migrate:down
SELECT 1;
