-- migrate:up
ALTER TABLE customers DROP COLUMN country;

-- migrate:down
ALTER TABLE customers ADD COLUMN country char(2);
