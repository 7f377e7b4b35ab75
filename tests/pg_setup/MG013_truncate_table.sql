CREATE TABLE audit_log (id bigint);
INSERT INTO audit_log SELECT g FROM generate_series(1, 2000) g;
