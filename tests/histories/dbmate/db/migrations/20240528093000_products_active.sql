-- migrate:up
ALTER TABLE products ADD COLUMN active boolean NOT NULL DEFAULT true;

-- migrate:down
ALTER TABLE products DROP COLUMN active;
