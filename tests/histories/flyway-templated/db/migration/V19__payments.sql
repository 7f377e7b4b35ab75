CREATE TABLE ${schema}.payments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  bigint NOT NULL REFERENCES ${schema}.invoices (id),
    amount_cents integer NOT NULL,
    provider    text NOT NULL,
    provider_ref text,
    paid_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payments_provider_ref_key ON ${schema}.payments (provider, provider_ref) WHERE provider_ref IS NOT NULL;
