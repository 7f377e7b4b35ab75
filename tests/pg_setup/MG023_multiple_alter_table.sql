CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);
INSERT INTO accounts SELECT g, 'a' || g || '@example.com', 'account ' || g FROM generate_series(1, 3000) g;
CREATE TABLE tags (id bigint PRIMARY KEY);
ALTER TABLE events ADD CONSTRAINT events_check CHECK (id > 0) NOT VALID;
