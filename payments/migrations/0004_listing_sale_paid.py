"""Sold listings whose buyer has paid free their VIN (marketplace 0002 added `Listing.sale_paid`); a sold listing
whose every sale was cancelled with no second-chance offer left open fell through: it becomes not sold, audited."""

from django.db import migrations
from django.utils import timezone

PAID = ["paid", "handed_over", "paid_out", "disputed", "refunded", "completed"]
REASON = "The sale fell through: the dealer did not pay and no other bidder took the car."


def forward(apps, schema_editor):
    Listing = apps.get_model("marketplace", "Listing")
    Sale = apps.get_model("payments", "Sale")
    Offer = apps.get_model("payments", "SecondChanceOffer")
    AuditLog = apps.get_model("core", "AuditLog")
    ContentType = apps.get_model("contenttypes", "ContentType")

    paid_listing_ids = Sale.objects.filter(status__in=PAID).values_list("listing_id", flat=True)
    Listing.objects.filter(status="sold", pk__in=paid_listing_ids).update(sale_paid=True)

    open_sale_ids = Sale.objects.exclude(status="cancelled").values_list("listing_id", flat=True)
    pending_offer_ids = Offer.objects.filter(status="pending").values_list("sale__listing_id", flat=True)
    fell_through = (Listing.objects.filter(status="sold", sale_paid=False, sales__status="cancelled")
                    .exclude(pk__in=open_sale_ids).exclude(pk__in=pending_offer_ids).distinct())
    content_type, _ = ContentType.objects.get_or_create(app_label="marketplace", model="listing")
    now = timezone.now()
    for listing in fell_through:
        Listing.objects.filter(pk=listing.pk).update(status="unsold", status_changed_at=now)
        car = f"{listing.first_registration_year} {listing.make} {listing.model} ({listing.vin})"
        AuditLog.objects.create(content_type=content_type, object_id=listing.pk, object_repr=car[:200],
                                action="status_change", field="status", from_state="sold", to_state="unsold",
                                actor_repr="system", reason=REASON, data={"migration": "payments.0003"})


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_guarantee_and_receivables"),
        ("marketplace", "0002_listing_vin_held_in_pipeline"),
        ("core", "0002_notification"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
