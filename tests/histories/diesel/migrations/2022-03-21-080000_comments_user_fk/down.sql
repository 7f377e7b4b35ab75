ALTER TABLE comments DROP CONSTRAINT comments_user_id_fkey;
