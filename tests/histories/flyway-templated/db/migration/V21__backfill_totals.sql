UPDATE ${schema}.invoices SET total_cents = ${schema}.invoice_total(id);
