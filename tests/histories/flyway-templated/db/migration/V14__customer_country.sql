ALTER TABLE ${schema}.customers ADD COLUMN country text;
