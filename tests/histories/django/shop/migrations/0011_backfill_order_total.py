from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0010_order_total")]

    operations = [
        migrations.RunSQL(
            sql="""
                UPDATE shop_order o
                   SET total = coalesce((SELECT sum(l.quantity * p.price)
                                           FROM shop_orderline l JOIN shop_product p ON p.id = l.product_id
                                          WHERE l.order_id = o.id), 0)
                 WHERE total IS NULL
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
