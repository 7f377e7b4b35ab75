CREATE TABLE addresses (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL,
    line1 text NOT NULL,
    city text NOT NULL
);
INSERT INTO addresses (customer_id, line1, city) SELECT g, g || ' Main St', 'Berlin' FROM generate_series(1, 2500) g;
