ALTER TABLE orders ADD COLUMN paid_at timestamptz;
UPDATE orders SET paid_at = created_at + interval '1 hour' WHERE status IN ('paid', 'shipped');
