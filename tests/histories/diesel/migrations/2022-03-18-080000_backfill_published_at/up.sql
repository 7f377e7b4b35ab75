UPDATE posts SET published_at = created_at WHERE state = 'published' AND published_at IS NULL;
