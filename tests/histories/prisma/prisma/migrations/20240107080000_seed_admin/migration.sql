-- Seed the first accounts and a welcome post
INSERT INTO "User" ("email", "name", "role") VALUES
    ('admin@example.com', 'Admin', 'ADMIN'),
    ('writer@example.com', 'Writer', 'USER'),
    ('reader@example.com', NULL, 'USER');

INSERT INTO "Post" ("title", "content", "published", "authorId", "updatedAt")
SELECT 'Welcome', 'Hello world', true, "id", CURRENT_TIMESTAMP FROM "User" WHERE "email" = 'admin@example.com';

INSERT INTO "Post" ("title", "content", "published", "authorId", "updatedAt")
SELECT 'Draft notes', NULL, false, "id", CURRENT_TIMESTAMP FROM "User" WHERE "email" = 'writer@example.com';
