DROP INDEX orders_address_id_idx;
