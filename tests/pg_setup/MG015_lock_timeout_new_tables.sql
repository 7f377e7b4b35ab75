SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN plan text, ADD CONSTRAINT users_plan_check CHECK (plan IS NULL OR plan <> '') NOT VALID;
