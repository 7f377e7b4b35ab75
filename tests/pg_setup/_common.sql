-- Tables most MIGRATION fixtures act on, with a few thousand rows each (applied before every fixture).
CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 'user ' || g FROM generate_series(1, 3000) g;
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, author_id bigint, title text, kind text, created_at timestamptz);
INSERT INTO posts SELECT g, 1 + g % 3000, 1 + g % 3000, 'post ' || g, CASE WHEN g % 5 = 0 THEN 'draft' ELSE 'post' END,
  now() - g * interval '1 minute' FROM generate_series(1, 5000) g;
CREATE TABLE comments (id bigint PRIMARY KEY, post_id bigint, created_at timestamptz, deleted_at timestamptz);
INSERT INTO comments SELECT g, 1 + g % 5000, now(), NULL FROM generate_series(1, 5000) g;
CREATE TABLE customers (id bigint PRIMARY KEY, legacy_id bigint, region text);
INSERT INTO customers SELECT g, g + 100000, 'eu' FROM generate_series(1, 2000) g;
CREATE TABLE orders (id int PRIMARY KEY, customer_id bigint, total numeric, quantity int, legacy_customer_id bigint);
INSERT INTO orders SELECT g, 1 + g % 2000, g % 100, 1 + g % 5, 100001 + g % 2000 FROM generate_series(1, 4000) g;
CREATE TABLE invoices (id bigint PRIMARY KEY, customer_id bigint);
INSERT INTO invoices SELECT g, 1 + g % 2000 FROM generate_series(1, 3000) g;
CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint, created_at timestamp, payload text);
INSERT INTO events SELECT g, 1 + g % 3000, now(), '{"n": ' || g || '}' FROM generate_series(1, 4000) g;
CREATE INDEX idx_events_created_at ON events (created_at);
CREATE INDEX idx_events_user ON events (user_id);
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint);
INSERT INTO sessions SELECT g, 1 + g % 3000 FROM generate_series(1, 3000) g;
