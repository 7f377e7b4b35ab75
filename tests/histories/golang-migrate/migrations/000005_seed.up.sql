INSERT INTO customers (email, full_name, country) SELECT 'c' || g || '@shop.test', 'Customer ' || g, 'DE' FROM generate_series(1, 2500) g;
INSERT INTO products (sku, title, price_cents) SELECT 'SKU-' || g, 'Product ' || g, 100 + g FROM generate_series(1, 500) g;
INSERT INTO orders (customer_id, status, total_cents, created_at) SELECT 1 + g % 2500, CASE WHEN g % 4 = 0 THEN 'shipped' ELSE 'new' END, g * 10, now() - g * interval '1 hour' FROM generate_series(1, 5000) g;
INSERT INTO order_items SELECT g, 1 + g % 500, 1 + g % 3 FROM generate_series(1, 5000) g;
