CREATE TABLE order_events (id bigserial PRIMARY KEY, order_id integer NOT NULL REFERENCES orders (id), kind text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE INDEX order_events_order_idx ON order_events (order_id);
