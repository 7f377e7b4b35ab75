ALTER TABLE orders ADD COLUMN address_id integer;
UPDATE orders o SET address_id = a.id FROM addresses a WHERE a.customer_id = o.customer_id;
