from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0019_customer_email_not_blank")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TYPE payment_state ADD VALUE IF NOT EXISTS 'refunded'",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
