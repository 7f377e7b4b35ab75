ALTER TABLE ${schema}.credit_notes ADD CONSTRAINT credit_notes_invoice_fk
    FOREIGN KEY (invoice_id) REFERENCES ${schema}.invoices (id);
