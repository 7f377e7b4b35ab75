CREATE TABLE measurements (id bigint, year int) PARTITION BY RANGE (year);
CREATE TABLE measurements_2026 (id bigint, year int);
INSERT INTO measurements_2026 SELECT g, 2026 FROM generate_series(1, 3000) g;
CREATE TABLE measurements_2027 (id bigint, year int);
INSERT INTO measurements_2027 SELECT g, 2027 FROM generate_series(1, 3000) g;
CREATE TABLE measurements_other (id bigint, year int);
INSERT INTO measurements_other SELECT g, 1990 FROM generate_series(1, 100) g;
