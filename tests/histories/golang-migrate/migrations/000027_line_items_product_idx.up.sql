CREATE INDEX line_items_product_id_idx ON line_items (product_id);
