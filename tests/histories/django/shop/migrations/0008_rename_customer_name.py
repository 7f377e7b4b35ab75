from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0007_customer_phone")]

    operations = [
        migrations.RenameField(model_name="customer", old_name="name", new_name="full_name"),
    ]
