-- Anonymous comments belong to the admin account from now on
UPDATE "Comment" SET "authorId" = (SELECT "id" FROM "User" WHERE "email" = 'admin@example.com')
WHERE "authorId" IS NULL;
