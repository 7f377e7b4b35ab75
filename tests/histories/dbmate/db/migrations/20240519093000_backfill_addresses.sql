-- migrate:up
INSERT INTO addresses (customer_id, line1, city, country)
SELECT id, 'Main St ' || id, 'Berlin', coalesce(country, 'DE') FROM customers;

-- migrate:down
DELETE FROM addresses;
