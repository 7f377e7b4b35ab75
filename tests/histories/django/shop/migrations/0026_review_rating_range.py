from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("shop", "0025_review")]

    operations = [
        migrations.AddConstraint(
            model_name="review",
            constraint=models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_range"),
        ),
    ]
