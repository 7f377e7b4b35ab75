from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0030_remove_product_stock")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="note",
            field=models.TextField(blank=True, default=""),
        ),
    ]
