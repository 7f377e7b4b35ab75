ALTER TABLE ${schema}.invoices ADD CONSTRAINT invoices_number_key UNIQUE (number);
