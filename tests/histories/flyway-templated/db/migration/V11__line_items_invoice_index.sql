CREATE INDEX line_items_invoice_idx ON ${schema}.line_items (invoice_id);
