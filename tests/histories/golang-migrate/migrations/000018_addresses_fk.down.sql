ALTER TABLE addresses DROP CONSTRAINT addresses_customer_fk;
