DROP INDEX CONCURRENTLY comments_user_id_idx;
