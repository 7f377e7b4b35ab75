from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0017_product_category")]

    operations = [
        migrations.RunSQL(
            sql=[
                "INSERT INTO shop_category (name, slug) VALUES ('General', 'general')",
                "UPDATE shop_product SET category_id = (SELECT id FROM shop_category WHERE slug = 'general') "
                "WHERE category_id IS NULL",
            ],
            reverse_sql=["UPDATE shop_product SET category_id = NULL", "DELETE FROM shop_category"],
        ),
    ]
