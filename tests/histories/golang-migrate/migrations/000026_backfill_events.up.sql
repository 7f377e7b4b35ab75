INSERT INTO order_events (order_id, kind, at) SELECT id, 'created', created_at FROM orders;
