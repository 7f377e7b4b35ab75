from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0027_review_once_per_customer")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="deleted_at",
            field=models.DateTimeField(null=True),
        ),
    ]
