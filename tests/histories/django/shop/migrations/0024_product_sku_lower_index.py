from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Lower


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("shop", "0023_backfill_unit_price")]

    operations = [
        AddIndexConcurrently(
            model_name="product",
            index=models.Index(Lower("sku"), name="product_sku_lower_idx"),
        ),
    ]
