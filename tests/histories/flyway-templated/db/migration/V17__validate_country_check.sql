ALTER TABLE ${schema}.customers VALIDATE CONSTRAINT customers_country_not_null;
