"""The transparency log's tables. Append-only: PostgreSQL triggers refuse UPDATE and DELETE on entries, subtree
hashes and signed heads (migration 0002); only `LogState` (the size) and `ReserveSeal.opened_at` change.

Writes to the log go through the SQL function `gavel_log_append` (migration 0002, called by
`transparency.services.log_append`), which locks the single `LogState` row, so leaf indexes are gapless and
appends serialize only for the rest of the committing transaction.
"""

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class LogEntry(models.Model):
    """Leaf `index` of the log: an entry's canonical JSON (docs/transparency.md) and its RFC 9162 leaf hash."""

    index = models.BigIntegerField(primary_key=True)
    auction_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=24)
    body = models.TextField()
    leaf_hash = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = _("log entries")
        indexes = [models.Index(fields=["auction_id", "index"], name="transparency_entry_auction")]
        constraints = [models.CheckConstraint(condition=models.Q(index__gte=0), name="transparency_entry_index")]

    def __str__(self):
        return f"Leaf {self.index}: {self.kind} (auction {self.auction_id})"


class LogNode(models.Model):
    """The hash of a complete perfect subtree (2^level leaves from leaf idx << level), level ≥ 1; level 0 is
    LogEntry.leaf_hash. Written by gavel_log_append when a leaf completes it; never changed."""

    level = models.SmallIntegerField()
    idx = models.BigIntegerField()
    hash = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "idx"], name="transparency_node_unique"),
                       models.CheckConstraint(condition=models.Q(level__gte=1), name="transparency_node_level")]

    def __str__(self):
        return f"Subtree ({self.level}, {self.idx})"


class LogState(models.Model):
    """The one row (id 1) holding the log's size; gavel_log_append locks it."""

    size = models.BigIntegerField(default=0)

    def __str__(self):
        return f"Log of {self.size} entries"


class LogPublicKey(models.Model):
    """Every key that ever signed a head or a receipt, published for good (old signatures stay checkable)."""

    key_id = models.CharField(max_length=64, unique=True)
    public_key = models.CharField(max_length=44, help_text=_("Base64 of the 32 raw Ed25519 public-key bytes."))
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_used_at", "id"]

    def __str__(self):
        return self.key_id

    def as_json(self) -> dict:
        return {"key_id": self.key_id, "public_key": self.public_key}


class SignedHead(models.Model):
    """A signed tree head: the log's size, root hash and time, signed by the log key."""

    # Set for the log's page (transparency.views), not columns.
    signed_at: datetime
    root_hex: str

    tree_size = models.BigIntegerField()
    timestamp_us = models.BigIntegerField()
    root_hash = models.BinaryField()
    key_id = models.CharField(max_length=64)
    signature = models.BinaryField()

    class Meta:
        ordering = ["tree_size", "timestamp_us", "id"]
        indexes = [models.Index(fields=["tree_size"], name="transparency_head_size")]

    def __str__(self):
        return f"Tree head {self.tree_size}"


class ReserveSeal(models.Model):
    """An auction's sealed reserve: the salt stays here, private, until the auction closes; the commitment is
    in its `opened` entry; the export publishes the opening after the close."""

    auction_id = models.BigIntegerField(unique=True)
    salt = models.BinaryField()
    reserve_minor = models.BigIntegerField(null=True, blank=True)
    report_fingerprint = models.CharField(max_length=64)
    fee_schedule_version = models.CharField(max_length=255)
    commitment = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Sealed reserve of auction {self.auction_id}"
