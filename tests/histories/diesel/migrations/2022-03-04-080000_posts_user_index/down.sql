DROP INDEX posts_user_id_idx;
