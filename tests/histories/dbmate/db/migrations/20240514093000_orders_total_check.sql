-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0);

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_total_positive;
