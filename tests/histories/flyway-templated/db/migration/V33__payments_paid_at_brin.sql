CREATE INDEX payments_paid_at_brin ON ${schema}.payments USING brin (paid_at);
