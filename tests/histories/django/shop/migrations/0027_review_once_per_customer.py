from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0026_review_rating_range")]

    operations = [
        migrations.AddConstraint(
            model_name="review",
            constraint=models.UniqueConstraint(fields=("product", "customer"), name="review_once_per_customer"),
        ),
    ]
