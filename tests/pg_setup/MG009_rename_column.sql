SET lock_timeout = '5s';
ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE '%@%') NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_check;
CREATE INDEX CONCURRENTLY idx_users_email ON users (email);
