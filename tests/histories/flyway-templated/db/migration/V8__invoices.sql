CREATE TABLE ${schema}.invoices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES ${schema}.subscriptions (id),
    status          ${schema}.invoice_status NOT NULL DEFAULT 'draft',
    total_cents     integer NOT NULL DEFAULT 0,
    issued_at       timestamptz
);
