-- migrate:up
ALTER TABLE customers ALTER COLUMN name SET NOT NULL;
ALTER TABLE customers DROP CONSTRAINT customers_name_not_null;

-- migrate:down
ALTER TABLE customers ALTER COLUMN name DROP NOT NULL;
