SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN plan text;
ALTER TABLE orders ADD COLUMN status text, ADD COLUMN region text;
