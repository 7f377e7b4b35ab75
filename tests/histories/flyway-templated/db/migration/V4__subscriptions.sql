CREATE TABLE ${schema}.subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES ${schema}.customers (id),
    plan_id      bigint NOT NULL REFERENCES ${schema}.plans (id),
    started_at   timestamptz NOT NULL DEFAULT now(),
    cancelled_at timestamptz
);
