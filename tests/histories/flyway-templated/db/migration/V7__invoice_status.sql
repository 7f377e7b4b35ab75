CREATE TYPE ${schema}.invoice_status AS ENUM ('draft', 'open', 'paid');
