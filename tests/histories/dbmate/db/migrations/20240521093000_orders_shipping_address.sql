-- migrate:up
ALTER TABLE orders ADD COLUMN shipping_address_id bigint;

-- migrate:down
ALTER TABLE orders DROP COLUMN shipping_address_id;
