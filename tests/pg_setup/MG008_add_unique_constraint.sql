SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN handle text, ADD COLUMN phone text;
UPDATE users SET handle = 'h' || id, phone = '+1' || id;
CREATE TABLE memberships (user_id bigint NOT NULL, team_id bigint NOT NULL);
INSERT INTO memberships SELECT g, g % 7 FROM generate_series(1, 3000) g;
