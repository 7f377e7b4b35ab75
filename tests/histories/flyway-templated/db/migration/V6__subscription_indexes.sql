CREATE INDEX subscriptions_customer_idx ON ${schema}.subscriptions (customer_id);
