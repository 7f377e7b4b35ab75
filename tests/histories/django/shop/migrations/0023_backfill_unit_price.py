from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0022_lineitem_unit_price")]

    operations = [
        migrations.RunSQL(
            sql="UPDATE shop_lineitem li SET unit_price = p.price FROM shop_product p WHERE p.id = li.product_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
