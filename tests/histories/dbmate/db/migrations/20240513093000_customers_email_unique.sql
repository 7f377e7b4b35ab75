-- migrate:up
CREATE UNIQUE INDEX customers_email_key ON customers (lower(email));

-- migrate:down
DROP INDEX customers_email_key;
