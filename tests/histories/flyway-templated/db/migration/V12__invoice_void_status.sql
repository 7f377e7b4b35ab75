ALTER TYPE ${schema}.invoice_status ADD VALUE 'void';
