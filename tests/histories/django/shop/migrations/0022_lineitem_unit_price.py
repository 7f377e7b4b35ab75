from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0021_rename_orderline")]

    operations = [
        migrations.AddField(
            model_name="lineitem",
            name="unit_price",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=10),
        ),
    ]
