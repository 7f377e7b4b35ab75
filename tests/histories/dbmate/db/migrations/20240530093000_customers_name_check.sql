-- migrate:up
UPDATE customers SET name = email WHERE name IS NULL;
ALTER TABLE customers ADD CONSTRAINT customers_name_not_null CHECK (name IS NOT NULL) NOT VALID;

-- migrate:down
ALTER TABLE customers DROP CONSTRAINT customers_name_not_null;
