CREATE VIEW site_view AS SELECT 1 AS one;
