ALTER TYPE post_state ADD VALUE 'archived';
