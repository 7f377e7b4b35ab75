ALTER TABLE orders DROP COLUMN address_id;
