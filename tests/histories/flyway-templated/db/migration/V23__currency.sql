ALTER TABLE ${schema}.price_plans ADD COLUMN currency char(3) NOT NULL DEFAULT 'EUR';
