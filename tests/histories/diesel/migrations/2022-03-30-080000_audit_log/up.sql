CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    actor_id bigint REFERENCES users (id),
    action text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_at_brin ON audit_log USING brin (at);
