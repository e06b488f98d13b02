"""Bids write fewer indexes: the foreign keys of auctions (leader, winner, owed_by), bids (auction, dealer) and bidder
labels (auction) lose their own single-column index, which an index or unique constraint starting with the same column
already provides. Only the indexes go (the constraints stay, nothing is re-checked); backwards they come back."""

from django.conf import settings
from django.db import migrations, models
from django.db.models.deletion import CASCADE, PROTECT

INDEXES = [  # Django's names for them, on PostgreSQL and SQLite alike
    ("auctions_auction_leader_id_29be8b0d", "auctions_auction", "leader_id"),
    ("auctions_auction_winner_id_7ff56637", "auctions_auction", "winner_id"),
    ("auctions_auction_owed_by_id_65b7f1de", "auctions_auction", "owed_by_id"),
    ("auctions_bid_auction_id_e2ac2714", "auctions_bid", "auction_id"),
    ("auctions_bid_dealer_id_9daaaac1", "auctions_bid", "dealer_id"),
    ("auctions_bidderlabel_auction_id_8f5e83d2", "auctions_bidderlabel", "auction_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("auctions", "0013_bid_place_v3"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                                  reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="auction", name="leader",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                        related_name="auctions_leading", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="auction", name="owed_by",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                        related_name="+", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="auction", name="winner",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=PROTECT,
                                        related_name="auctions_won", to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="bid", name="auction",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="bids",
                                        to="auctions.auction"),
                ),
                migrations.AlterField(
                    model_name="bid", name="dealer",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT, related_name="bids",
                                        to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name="bidderlabel", name="auction",
                    field=models.ForeignKey(db_index=False, on_delete=CASCADE, related_name="labels",
                                        to="auctions.auction"),
                ),
            ],
        ),
    ]
