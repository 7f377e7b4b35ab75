UPDATE posts SET state = 'published' WHERE status = 'published';
