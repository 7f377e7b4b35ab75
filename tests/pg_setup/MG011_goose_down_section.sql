SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN legacy_flags jsonb, ADD COLUMN nickname text;
CREATE TABLE audit_log (id bigint);
