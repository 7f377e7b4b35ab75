ALTER TABLE ${schema}.customers ADD CONSTRAINT customers_country_not_null CHECK (country IS NOT NULL) NOT VALID;
