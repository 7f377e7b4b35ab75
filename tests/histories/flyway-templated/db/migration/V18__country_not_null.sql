-- the validated CHECK lets SET NOT NULL skip the table scan
ALTER TABLE ${schema}.customers ALTER COLUMN country SET NOT NULL;
ALTER TABLE ${schema}.customers DROP CONSTRAINT customers_country_not_null;
