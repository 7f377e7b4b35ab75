SET lock_timeout = '5s';
CREATE TYPE order_status AS ENUM ('new', 'paid');
ALTER TABLE orders ADD COLUMN status order_status DEFAULT 'new', ADD COLUMN refunded_at timestamptz,
  ADD COLUMN voided boolean DEFAULT false;
