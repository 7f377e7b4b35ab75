from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0009_payment_events")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="total",
            field=models.DecimalField(decimal_places=2, max_digits=12, null=True),
        ),
    ]
