-- Tags became categories
INSERT INTO "Category" ("name") SELECT DISTINCT "label" FROM "Tag";
INSERT INTO "_CategoryToPost" ("A", "B")
SELECT c."id", t."postId" FROM "Tag" t JOIN "Category" c ON c."name" = t."label"
ON CONFLICT DO NOTHING;
DROP TABLE "Tag";
