-- the dunning job scans open invoices only
CREATE INDEX invoices_open_idx ON ${schema}.invoices (issued_at) WHERE status = 'open';
