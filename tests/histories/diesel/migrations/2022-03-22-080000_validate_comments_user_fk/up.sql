ALTER TABLE comments VALIDATE CONSTRAINT comments_user_id_fkey;
