-- Backfill the status from the old flag
UPDATE "Post" SET "status" = 'PUBLISHED' WHERE "published" = true;
