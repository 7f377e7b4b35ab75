from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_orderline")]

    operations = [
        migrations.RunSQL(
            sql=[
                "INSERT INTO shop_product (sku, title, price, active) VALUES "
                "('TEA-01', 'Green tea', 4.50, true), ('TEA-02', 'Black tea', 3.90, true), "
                "('MUG-01', 'Mug', 9.00, false)",
                "INSERT INTO shop_customer (email, name, created_at) VALUES "
                "('ada@example.com', 'Ada', now()), ('alan@example.com', 'Alan', now())",
                "INSERT INTO shop_order (status, created_at, customer_id) "
                "SELECT 'new', now(), id FROM shop_customer",
                "INSERT INTO shop_orderline (quantity, order_id, product_id) "
                "SELECT 2, o.id, p.id FROM shop_order o CROSS JOIN shop_product p WHERE p.sku LIKE 'TEA-%%'",
            ],
            reverse_sql=[
                "DELETE FROM shop_orderline", "DELETE FROM shop_order",
                "DELETE FROM shop_customer", "DELETE FROM shop_product",
            ],
        ),
    ]
