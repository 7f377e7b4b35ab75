from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0029_live_email_unique")]

    operations = [
        migrations.RemoveField(model_name="product", name="stock"),
    ]
