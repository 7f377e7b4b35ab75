CREATE OR REPLACE FUNCTION ${schema}.invoice_total(p_invoice bigint) RETURNS integer
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(amount_cents), 0)::integer FROM ${schema}.line_items WHERE invoice_id = p_invoice
$$;
