CREATE TABLE legacy (id bigint);
