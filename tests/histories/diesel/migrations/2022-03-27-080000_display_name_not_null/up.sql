-- the CHECK validated in the migration before lets SET NOT NULL skip the scan
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_display_name_not_null;
