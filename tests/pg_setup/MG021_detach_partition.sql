CREATE TABLE measurements (id bigint, year int) PARTITION BY RANGE (year);
CREATE TABLE measurements_2019 PARTITION OF measurements FOR VALUES FROM (2019) TO (2020);
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM (2020) TO (2021);
CREATE TABLE measurements_2021 PARTITION OF measurements FOR VALUES FROM (2021) TO (2022);
INSERT INTO measurements SELECT g, 2019 + g % 3 FROM generate_series(1, 3000) g;
