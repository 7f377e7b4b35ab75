UPDATE ${schema}.customers SET country = 'GB' WHERE country IS NULL AND email LIKE '%@example.com';
