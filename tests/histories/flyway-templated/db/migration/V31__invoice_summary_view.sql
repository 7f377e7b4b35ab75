CREATE VIEW ${schema}.invoice_summary AS
SELECT i.id, i.number, i.status, c.email, i.total_cents
FROM ${schema}.invoices i
JOIN ${schema}.subscriptions s ON s.id = i.subscription_id
JOIN ${schema}.customers c ON c.id = s.customer_id;
