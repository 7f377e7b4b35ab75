-- tables the MG003 fixture empties (or does not) before adding a NOT NULL column
CREATE TABLE password_resets (id bigint PRIMARY KEY, token text);
INSERT INTO password_resets SELECT g, md5(g::text) FROM generate_series(1, 500) g;
CREATE TABLE invites (id bigint PRIMARY KEY, expires_at timestamptz);
INSERT INTO invites SELECT g, now() + interval '1 day' FROM generate_series(1, 500) g;
CREATE TABLE audit_events (id bigint PRIMARY KEY);
INSERT INTO audit_events SELECT g FROM generate_series(1, 500) g;
CREATE SCHEMA app;
CREATE TABLE app.audit_archive (id bigint);
CREATE TABLE audit_archive (id bigint);
