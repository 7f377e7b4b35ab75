-- migrate:up
ALTER TABLE customers ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();

-- migrate:down
ALTER TABLE customers DROP COLUMN created_at;
