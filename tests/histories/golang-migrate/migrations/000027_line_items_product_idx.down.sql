DROP INDEX line_items_product_id_idx;
