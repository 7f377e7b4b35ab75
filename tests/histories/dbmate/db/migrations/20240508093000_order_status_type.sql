-- migrate:up
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');

-- migrate:down
DROP TYPE order_status;
