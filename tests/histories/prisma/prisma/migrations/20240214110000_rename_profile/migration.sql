-- Rename the table and what Prisma names after it
ALTER TABLE "Profile" RENAME TO "UserProfile";
ALTER TABLE "UserProfile" RENAME CONSTRAINT "Profile_pkey" TO "UserProfile_pkey";
ALTER TABLE "UserProfile" RENAME CONSTRAINT "Profile_userId_fkey" TO "UserProfile_userId_fkey";
ALTER INDEX "Profile_userId_key" RENAME TO "UserProfile_userId_key";
ALTER SEQUENCE "Profile_id_seq" RENAME TO "UserProfile_id_seq";
