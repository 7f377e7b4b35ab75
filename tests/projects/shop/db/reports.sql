SELECT * FROM users WHERE email = 'a@example.com';
SELECT id FROM orders WHERE number LIKE '%42';
