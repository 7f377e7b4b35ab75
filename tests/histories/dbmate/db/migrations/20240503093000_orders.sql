-- migrate:up
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id integer REFERENCES customers (id),
    status text NOT NULL DEFAULT 'new',
    total_cents integer,
    created_at timestamp NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE orders;
