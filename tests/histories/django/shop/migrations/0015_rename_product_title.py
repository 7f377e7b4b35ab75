from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0014_open_orders_index")]

    operations = [
        migrations.RenameField(model_name="product", old_name="title", new_name="name"),
    ]
