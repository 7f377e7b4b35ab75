-- Backfill slugs from the titles
UPDATE "Post"
SET "slug" = trim(both '-' from lower(regexp_replace("title", '[^a-zA-Z0-9]+', '-', 'g'))) || '-' || "id"
WHERE "slug" IS NULL;
