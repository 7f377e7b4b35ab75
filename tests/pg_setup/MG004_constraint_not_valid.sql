CREATE TABLE "Accounts" (id bigint PRIMARY KEY, owner_id bigint);
INSERT INTO "Accounts" SELECT g, 1 + g % 3000 FROM generate_series(1, 2000) g;
CREATE TABLE activity (id bigint PRIMARY KEY);
INSERT INTO activity SELECT g FROM generate_series(1, 2000) g;
