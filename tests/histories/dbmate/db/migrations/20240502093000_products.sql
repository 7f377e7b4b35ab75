-- migrate:up
CREATE TABLE products (
    id serial PRIMARY KEY,
    sku text NOT NULL,
    title text NOT NULL,
    price_cents integer NOT NULL
);

-- migrate:down
DROP TABLE products;
