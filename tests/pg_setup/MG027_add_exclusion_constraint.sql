CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE bookings (id bigint PRIMARY KEY, room_id bigint, during tstzrange);
INSERT INTO bookings SELECT g, g, tstzrange(now(), now() + interval '1 hour') FROM generate_series(1, 2000) g;
