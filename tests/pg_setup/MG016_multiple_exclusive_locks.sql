CREATE TABLE legacy (id bigint);
CREATE TABLE a (id bigint PRIMARY KEY);
CREATE TABLE b (id bigint);
CREATE TABLE b2 (id bigint, a_id bigint);
CREATE TABLE d (id bigint);
CREATE TABLE e (id bigint);
