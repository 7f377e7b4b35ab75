INSERT INTO ${schema}.customers (email, full_name) VALUES
    ('ada@example.com', 'Ada Lovelace'),
    ('alan@example.com', 'Alan Turing'),
    ('grace@example.com', 'Grace Hopper');
INSERT INTO ${schema}.subscriptions (customer_id, plan_id)
SELECT c.id, p.id FROM ${schema}.customers c CROSS JOIN ${schema}.plans p WHERE p.code = 'pro';
