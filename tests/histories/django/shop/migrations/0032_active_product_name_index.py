from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("shop", "0031_order_note")]

    operations = [
        migrations.AddIndex(
            model_name="product",
            index=models.Index(fields=["name"], condition=Q(active=True), name="product_active_name_idx"),
        ),
    ]
