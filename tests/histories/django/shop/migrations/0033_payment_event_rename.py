from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0032_active_product_name_index")]

    operations = [
        migrations.RunSQL(
            sql=[
                "ALTER TABLE shop_payment_event RENAME COLUMN at TO happened_at",
                "CREATE INDEX payment_event_order_idx ON shop_payment_event (order_id, happened_at DESC)",
            ],
            reverse_sql=[
                "DROP INDEX payment_event_order_idx",
                "ALTER TABLE shop_payment_event RENAME COLUMN happened_at TO at",
            ],
        ),
    ]
