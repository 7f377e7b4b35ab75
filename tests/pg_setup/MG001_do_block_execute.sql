CREATE TABLE tags (id bigint PRIMARY KEY, name text);
INSERT INTO tags SELECT g, 'tag' || g FROM generate_series(1, 2000) g;
