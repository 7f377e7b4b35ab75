from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_seed_catalogue")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="stock",
            field=models.IntegerField(default=0),
        ),
    ]
