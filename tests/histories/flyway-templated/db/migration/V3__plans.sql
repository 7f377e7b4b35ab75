CREATE TABLE ${schema}.plans (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    price_cents integer NOT NULL CHECK (price_cents >= 0),
    interval    text NOT NULL DEFAULT 'month'
);
INSERT INTO ${schema}.plans (code, price_cents, interval) VALUES
    ('free', 0, 'month'), ('pro', 1500, 'month'), ('pro-yearly', 15000, 'year');
