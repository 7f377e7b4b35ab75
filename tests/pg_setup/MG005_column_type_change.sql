SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN age int DEFAULT 30, ADD COLUMN bio varchar(200);
ALTER TABLE users ALTER COLUMN email TYPE varchar(100);
CREATE TABLE prices (id bigint PRIMARY KEY, amount numeric(10, 2));
INSERT INTO prices SELECT g, g FROM generate_series(1, 2000) g;
