ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE '%@%');
CREATE INDEX idx_users_email ON users (email);
