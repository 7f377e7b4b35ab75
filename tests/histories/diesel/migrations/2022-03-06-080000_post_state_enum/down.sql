DROP TYPE post_state;
