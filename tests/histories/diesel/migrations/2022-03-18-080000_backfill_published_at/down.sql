UPDATE posts SET published_at = NULL;
