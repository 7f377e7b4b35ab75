ALTER TABLE orders ADD COLUMN ref uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);
