-- migrate:up
ALTER TABLE orders VALIDATE CONSTRAINT orders_shipping_address_fk;

-- migrate:down
SELECT 1;
