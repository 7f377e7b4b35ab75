INSERT INTO tags (name) VALUES ('rust'), ('sql'), ('web');
INSERT INTO post_tags (post_id, tag_id)
SELECT p.id, t.id FROM posts p
JOIN tags t ON t.name = CASE p.id % 3 WHEN 0 THEN 'rust' WHEN 1 THEN 'sql' ELSE 'web' END;
