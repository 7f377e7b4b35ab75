-- AlterTable
ALTER TABLE "Post" DROP COLUMN "published";
