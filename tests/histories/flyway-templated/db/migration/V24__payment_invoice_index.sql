CREATE INDEX payments_invoice_idx ON ${schema}.payments (invoice_id);
