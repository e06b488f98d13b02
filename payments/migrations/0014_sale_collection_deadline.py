from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def deadlines_from_paid_time(apps, schema_editor):
    """Sales paid before the collection deadline existed get one by the published rule, from their paid time: the
    payment's arrival plus GAVEL_COLLECTION_DAYS days (payments.services.sales.sale_collection_deadline)."""
    Sale = apps.get_model("payments", "Sale")
    Sale.objects.filter(paid_at__isnull=False, collection_deadline__isnull=True).update(
        collection_deadline=models.F("paid_at") + timedelta(days=settings.GAVEL_COLLECTION_DAYS))


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0013_dispute_findings_and_computation"),
    ]

    operations = [
        migrations.AddField(
            model_name="sale",
            name="collection_deadline",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="sale",
            name="collection_overdue_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(deadlines_from_paid_time, migrations.RunPython.noop),
    ]
