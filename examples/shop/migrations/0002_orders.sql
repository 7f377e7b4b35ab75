CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL,
    total_cents bigint NOT NULL,
    placed_at   timestamptz NOT NULL DEFAULT now()
);
SET lock_timeout = '5s';  -- give up rather than queue behind a long transaction
-- Locks posts against writes while the index builds.
CREATE INDEX idx_posts_created_at ON posts (created_at);

-- Fails on a table with rows: no default for existing users.
ALTER TABLE users ADD COLUMN plan text NOT NULL;

-- Fine: orders is created above in this same migration.
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);

-- Validates every existing post while blocking writes.
ALTER TABLE posts ADD CONSTRAINT posts_status_check CHECK (status IN ('draft', 'published'));

BEGIN;
-- Will fail: CONCURRENTLY is not allowed in a transaction block.
CREATE INDEX CONCURRENTLY idx_orders_placed_at ON orders (placed_at);
COMMIT;
