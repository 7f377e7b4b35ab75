-- migrate:up
CREATE TABLE addresses (
    id bigserial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    line1 text NOT NULL,
    city text NOT NULL,
    country char(2) NOT NULL
);

-- migrate:down
DROP TABLE addresses;
