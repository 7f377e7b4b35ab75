CREATE DOMAIN positive_amount AS numeric;
CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_amount);
INSERT INTO payments SELECT g, g FROM generate_series(1, 2000) g;
