DROP VIEW ${schema}.invoice_summary;
ALTER TABLE ${schema}.customers DROP COLUMN full_name;
CREATE VIEW ${schema}.invoice_summary AS
SELECT i.id, i.number, i.status, c.email, c.family_name, i.total_cents
FROM ${schema}.invoices i
JOIN ${schema}.subscriptions s ON s.id = i.subscription_id
JOIN ${schema}.customers c ON c.id = s.customer_id;
