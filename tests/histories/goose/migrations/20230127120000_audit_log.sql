-- +goose Up
-- +goose StatementBegin
CREATE TABLE audit_log (id bigserial PRIMARY KEY, table_name text NOT NULL, row_id bigint, at timestamptz NOT NULL DEFAULT now());
CREATE FUNCTION log_post_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (table_name, row_id) VALUES (TG_TABLE_NAME, NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER posts_audit AFTER UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION log_post_change();
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER posts_audit ON posts;
DROP FUNCTION log_post_change();
DROP TABLE audit_log;
