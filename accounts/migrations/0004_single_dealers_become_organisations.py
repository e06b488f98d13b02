"""Every existing dealer becomes a one-member organisation: their profile is the organisation's record (limit,
deposit, sales and bids stay keyed to their account, unchanged) and they are its owner."""

from django.db import migrations


def dealers_become_owners(apps, schema_editor):
    DealerProfile = apps.get_model("accounts", "DealerProfile")
    Membership = apps.get_model("accounts", "Membership")
    have = set(Membership.objects.values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        [Membership(organisation_id=profile_id, user_id=user_id, role="owner",
                    created_at=created_at)
         for profile_id, user_id, created_at in DealerProfile.objects.values_list("pk", "user_id", "created_at")
         if user_id not in have], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_organisations_and_api_keys")]

    operations = [migrations.RunPython(dealers_become_owners, migrations.RunPython.noop)]
