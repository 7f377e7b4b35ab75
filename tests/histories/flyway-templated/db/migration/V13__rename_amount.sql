ALTER TABLE ${schema}.line_items RENAME COLUMN amount TO amount_cents;
