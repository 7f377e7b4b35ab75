-- Partial index for the public feed (edited by hand: Prisma has no partial indexes)
CREATE INDEX "Post_published_createdAt_idx" ON "Post"("createdAt" DESC) WHERE "status" = 'PUBLISHED';
