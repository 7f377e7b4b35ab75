CREATE TABLE legacy_sessions (id bigint);
CREATE TABLE a (id bigint);
CREATE TABLE b (id bigint);
CREATE VIEW active_users AS SELECT * FROM users;
CREATE TABLE community_follower (person_id bigint, community_id bigint, published timestamptz);
INSERT INTO community_follower SELECT g, g % 10, now() FROM generate_series(1, 2000) g;
CREATE TABLE access_log (id bigint);
CREATE TABLE audit_log (id bigint);
CREATE TABLE local_image (id bigint);
