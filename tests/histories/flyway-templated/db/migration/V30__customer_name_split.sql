ALTER TABLE ${schema}.customers ADD COLUMN given_name text, ADD COLUMN family_name text;
UPDATE ${schema}.customers
   SET given_name = split_part(full_name, ' ', 1),
       family_name = nullif(substr(full_name, length(split_part(full_name, ' ', 1)) + 2), '');
