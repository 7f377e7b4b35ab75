-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY products_active_name_idx ON products (name) WHERE active;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY products_active_name_idx;
