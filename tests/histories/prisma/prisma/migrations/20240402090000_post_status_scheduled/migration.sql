-- AlterEnum
ALTER TYPE "PostStatus" ADD VALUE 'SCHEDULED';
