CREATE UNIQUE INDEX tags_name_key ON tags (lower(name));
