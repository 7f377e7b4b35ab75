"""Optional database access: a throwaway PostgreSQL for replays, read-only access to a dev database."""
