CREATE INDEX posts_published_idx ON posts (published_at DESC) WHERE state = 'published';
