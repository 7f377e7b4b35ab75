CREATE MATERIALIZED VIEW daily_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX daily_totals_customer ON daily_totals (customer_id);
CREATE MATERIALIZED VIEW monthly_totals AS SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id;
CREATE UNIQUE INDEX monthly_totals_customer ON monthly_totals (customer_id);
