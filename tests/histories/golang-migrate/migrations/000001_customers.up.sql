CREATE TABLE customers (
    id serial PRIMARY KEY,
    email text NOT NULL,
    full_name text,
    country char(2)
);
