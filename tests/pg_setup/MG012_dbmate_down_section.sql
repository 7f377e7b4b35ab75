CREATE TABLE legacy_sessions (id bigint);
