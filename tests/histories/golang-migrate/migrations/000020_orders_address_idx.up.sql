CREATE INDEX orders_address_id_idx ON orders (address_id);
