-- migrate:up
UPDATE orders o SET shipping_address_id = a.id
FROM addresses a
WHERE a.customer_id = o.customer_id AND o.shipping_address_id IS NULL;

-- migrate:down
UPDATE orders SET shipping_address_id = NULL;
