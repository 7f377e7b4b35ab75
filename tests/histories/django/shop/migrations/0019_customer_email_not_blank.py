from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("shop", "0018_backfill_category")]

    operations = [
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(condition=~Q(email=""), name="customer_email_not_blank"),
        ),
    ]
