-- migrate:up
ALTER TABLE products ADD CONSTRAINT products_sku_key UNIQUE (sku);

-- migrate:down
ALTER TABLE products DROP CONSTRAINT products_sku_key;
