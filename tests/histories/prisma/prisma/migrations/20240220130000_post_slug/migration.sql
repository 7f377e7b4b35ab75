-- AlterTable
ALTER TABLE "Post" ADD COLUMN "slug" TEXT;
