from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0020_payment_state_refunded")]

    operations = [
        migrations.RenameModel(old_name="OrderLine", new_name="LineItem"),
    ]
