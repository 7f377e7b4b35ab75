SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN a int DEFAULT 1, ADD COLUMN b int DEFAULT 2;
CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);
INSERT INTO accounts SELECT g, 'free' FROM generate_series(1, 2000) g;
CREATE TABLE local_image (id bigint PRIMARY KEY, local_user_id bigint);
INSERT INTO local_image SELECT g, g FROM generate_series(1, 2000) g;
