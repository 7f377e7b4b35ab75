-- AlterTable
ALTER TABLE "Comment" ALTER COLUMN "authorId" SET NOT NULL;
