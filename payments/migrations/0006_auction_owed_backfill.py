"""Auction.owed_by / owed_minor (auctions 0004) from the sales that exist: the buyer of an open unpaid sale, or the
winner of a sold auction whose sale has not opened yet. Settlement keeps them from here on."""

from django.db import migrations


def backfill(apps, schema_editor):
    Auction = apps.get_model("auctions", "Auction")
    Sale = apps.get_model("payments", "Sale")
    for auction in Auction.objects.filter(outcome="sold").only("pk", "winner_id", "hammer_price_minor"):
        sales = Sale.objects.filter(auction_id=auction.pk)
        unpaid = sales.filter(status__in=("awaiting_payment", "overdue")).first()
        if unpaid is not None:
            owed = (unpaid.buyer_id, unpaid.hammer_price_minor)
        elif not sales.exists() and auction.winner_id and auction.hammer_price_minor:
            owed = (auction.winner_id, auction.hammer_price_minor)
        else:
            continue
        Auction.objects.filter(pk=auction.pk).update(owed_by_id=owed[0], owed_minor=owed[1])


class Migration(migrations.Migration):
    dependencies = [
        ("auctions", "0004_auction_owed_by"),
        ("payments", "0005_second_chance_seller_consent"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
