from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0012_order_total_required")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["status"], name="order_status_idx"),
        ),
    ]
