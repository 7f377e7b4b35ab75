CREATE TABLE ${schema}.credit_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  bigint NOT NULL,
    reason      text NOT NULL,
    amount_cents integer NOT NULL CHECK (amount_cents > 0)
);
