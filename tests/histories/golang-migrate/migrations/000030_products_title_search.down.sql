DROP INDEX products_title_lower_idx;
