CREATE INDEX subscriptions_active_idx ON ${schema}.subscriptions (customer_id) WHERE cancelled_at IS NULL;
DROP INDEX ${schema}.subscriptions_customer_idx;
