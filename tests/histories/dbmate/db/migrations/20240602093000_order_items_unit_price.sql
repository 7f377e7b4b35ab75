-- migrate:up
ALTER TABLE order_items ADD COLUMN unit_price_cents integer;
UPDATE order_items oi SET unit_price_cents = p.price_cents FROM products p WHERE p.id = oi.product_id;

-- migrate:down
ALTER TABLE order_items DROP COLUMN unit_price_cents;
