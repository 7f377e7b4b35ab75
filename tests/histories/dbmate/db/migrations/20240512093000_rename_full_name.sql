-- migrate:up
ALTER TABLE customers RENAME COLUMN full_name TO name;

-- migrate:down
ALTER TABLE customers RENAME COLUMN name TO full_name;
