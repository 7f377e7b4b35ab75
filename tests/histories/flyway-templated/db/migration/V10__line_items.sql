CREATE TABLE ${schema}.line_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  bigint NOT NULL,
    description text NOT NULL,
    amount      integer NOT NULL
);
ALTER TABLE ${schema}.line_items ADD CONSTRAINT line_items_invoice_fk
    FOREIGN KEY (invoice_id) REFERENCES ${schema}.invoices (id) ON DELETE CASCADE;
