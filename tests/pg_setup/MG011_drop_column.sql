SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN legacy_flags jsonb, ADD COLUMN a int, ADD COLUMN b int;
