-- AlterTable
ALTER TABLE "Post" ADD COLUMN "scheduledAt" TIMESTAMP(3);

-- Partial index for the scheduler (edited by hand)
CREATE INDEX "Post_scheduledAt_idx" ON "Post"("scheduledAt") WHERE "status" = 'SCHEDULED';
