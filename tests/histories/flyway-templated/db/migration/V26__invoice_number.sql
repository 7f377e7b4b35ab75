ALTER TABLE ${schema}.invoices ADD COLUMN number text;
UPDATE ${schema}.invoices SET number = 'INV-' || lpad(id::text, 6, '0') WHERE number IS NULL;
