from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_product_stock")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="phone",
            field=models.CharField(max_length=32, null=True),
        ),
    ]
