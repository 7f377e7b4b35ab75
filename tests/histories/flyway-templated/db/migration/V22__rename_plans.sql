ALTER TABLE ${schema}.plans RENAME TO price_plans;
ALTER TABLE ${schema}.subscriptions RENAME COLUMN plan_id TO price_plan_id;
