"""The name keys of make and model (core.text.name_key), filled for every existing listing, and their index: price
guidance finds a car's comparables by an index lookup instead of a case-insensitive regex over every listing."""

from django.conf import settings
from django.db import migrations, models

from core.text import name_key


def fill_name_keys(apps, schema_editor):
    Listing = apps.get_model("marketplace", "Listing")
    batch = []
    for listing in Listing.objects.only("pk", "make", "model").order_by("pk").iterator(chunk_size=2000):
        listing.make_key, listing.model_key = name_key(listing.make or ""), name_key(listing.model or "")
        batch.append(listing)
        if len(batch) == 2000:
            Listing.objects.bulk_update(batch, ["make_key", "model_key"])
            batch = []
    Listing.objects.bulk_update(batch, ["make_key", "model_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('marketplace', '0002_listing_vin_held_in_pipeline'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='listing',
            name='make_key',
            field=models.CharField(default='', editable=False, max_length=180),
        ),
        migrations.AddField(
            model_name='listing',
            name='model_key',
            field=models.CharField(default='', editable=False, max_length=240),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='listing',
            index=models.Index(fields=['make_key', 'model_key'], name='marketplace_listing_name_keys'),
        ),
    ]
