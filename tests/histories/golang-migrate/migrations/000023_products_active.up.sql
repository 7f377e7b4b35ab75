ALTER TABLE products ADD COLUMN active boolean NOT NULL DEFAULT true;
CREATE INDEX products_active_idx ON products (id) WHERE active;
