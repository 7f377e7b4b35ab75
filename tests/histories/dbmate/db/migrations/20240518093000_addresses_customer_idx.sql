-- migrate:up
CREATE INDEX addresses_customer_id_idx ON addresses (customer_id);

-- migrate:down
DROP INDEX addresses_customer_id_idx;
