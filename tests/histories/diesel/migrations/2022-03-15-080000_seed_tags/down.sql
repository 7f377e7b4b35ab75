DELETE FROM post_tags;
DELETE FROM tags;
