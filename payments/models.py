"""Settlement: sales, payments, payouts, disputes, second-chance offers, and the escrow ledger.

Ledger sign convention (double entry, one currency): `LedgerEntry.amount_minor > 0` DEBITS the account (value
flows into it), `< 0` CREDITS it (value flows out). Moving x from account A to account B is the pair
[(A, -x), (B, +x)]. Every transaction's entries sum to zero, so all entries together sum to zero too.
The `bank` account is the outside world: it goes negative by exactly the money Gavel holds.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import Money
from marketplace.models import Listing
from payments.references import receivable_reference


class AppendOnlyQuerySet(models.QuerySet):
    """Ledger rows are never changed or removed, not even in bulk (see also the PostgreSQL trigger)."""

    def update(self, **kwargs):
        raise TypeError("Ledger rows are append-only.")

    def delete(self):
        raise TypeError("Ledger rows are append-only.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ledger rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger rows are append-only.")


class LedgerAccount(models.Model):
    class Kind(models.TextChoices):
        DEALER = "dealer", _("Dealer")
        SELLER = "seller", _("Seller")
        ESCROW = "escrow", _("Escrow")
        PLATFORM_FEES = "platform_fees", _("Platform fees")
        BANK = "bank", _("Bank (outside world)")
        # Pays refunds for defects the inspection missed; funded by staff (from fees or from outside). Its balance
        # may go negative: the platform stands behind its inspections before the fund is topped up.
        GUARANTEE = "guarantee", _("Inspection guarantee")
        # A dealer's deposit with Gavel: topped up by bank transfer, gives the buying limit, pays break fees and
        # unpaid-sale fees, withdrawn when nothing is pending. Never negative.
        DEPOSIT = "deposit", _("Dealer deposit")

    OWNED_KINDS = (Kind.DEALER, Kind.SELLER, Kind.DEPOSIT)
    SYSTEM_KINDS = (Kind.ESCROW, Kind.PLATFORM_FEES, Kind.BANK, Kind.GUARANTEE)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="ledger_accounts")
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "owner_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner"], name="payments_account_kind_owner_unique"),
            # NULL owners are distinct in a plain unique index: one system account per kind needs its own.
            models.UniqueConstraint(fields=["kind"], condition=models.Q(owner__isnull=True),
                                    name="payments_account_one_system_account_per_kind"),
            models.CheckConstraint(
                condition=(models.Q(kind__in=["dealer", "seller", "deposit"], owner__isnull=False)
                           | models.Q(kind__in=["escrow", "platform_fees", "bank", "guarantee"],
                                      owner__isnull=True)),
                name="payments_account_owner_matches_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.owner}" if self.owner_id else self.get_kind_display()


class LedgerTransaction(AppendOnlyModel):
    class Kind(models.TextChoices):
        PAYMENT_RECEIVED = "payment_received", _("Payment received into escrow")
        DUPLICATE_PAYMENT = "duplicate_payment", _("Duplicate payment received")
        FEE_RECOGNISED = "fee_recognised", _("Fee recognised")
        PAYOUT = "payout", _("Payout to the seller")
        REFUND = "refund", _("Refund to the dealer")
        GUARANTEE_REFUND = "guarantee_refund", _("Refund paid by the inspection guarantee")
        GUARANTEE_FUNDED = "guarantee_funded", _("Inspection guarantee funded")
        SET_OFF = "set_off", _("Payout set off against what the seller owes")
        RECEIVABLE_PAYMENT = "receivable_payment", _("Payment received from a seller who owed")
        DEPOSIT_TOPUP = "deposit_topup", _("Deposit topped up")
        DEPOSIT_WITHDRAWAL = "deposit_withdrawal", _("Deposit withdrawn")
        BREAK_FEE = "break_fee", _("Break fee from the deposit")
        UNPAID_SALE_FEE = "unpaid_sale_fee", _("Unpaid-sale fee from the deposit")
        FEE_OWED = "fee_owed", _("Fee the deposit could not cover: owed by the dealer")
        FEE_OWED_PAID = "fee_owed_paid", _("Owed fee paid from the deposit")

    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    provider = models.CharField(max_length=32, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    sale = models.ForeignKey("payments.Sale", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="ledger_transactions")
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.idempotency_key}"


class LedgerEntry(AppendOnlyModel):
    """Debit positive, credit negative (see the module docstring)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount_minor = models.BigIntegerField()

    class Meta:
        ordering = ["transaction_id", "id"]
        verbose_name_plural = _("ledger entries")
        constraints = [models.CheckConstraint(condition=~models.Q(amount_minor=0),
                                              name="payments_entry_amount_nonzero")]
        indexes = [models.Index(fields=["account", "transaction"], name="payments_entry_account_txn")]

    def __str__(self):
        text = Money(self.amount_minor, self.account.currency).format()
        return f"{self.account}: {'+' if self.amount_minor > 0 else ''}{text}"


class Sale(models.Model):
    """What a sold auction settles into. Status changes only through core.transitions.transition()."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        OVERDUE = "overdue", _("Payment overdue")
        PAID = "paid", _("Paid into escrow")
        HANDED_OVER = "handed_over", _("Handed over")
        PAID_OUT = "paid_out", _("Paid out to the seller")
        DISPUTED = "disputed", _("Disputed")
        REFUNDED = "refunded", _("Refunded")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class PayoutStatus(models.TextChoices):
        PENDING = "pending", _("Not yet released")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will be retried)")
        NOT_DUE = "not_due", _("Not due (refunded)")

    S = Status
    TRANSITIONS = {
        # Cancelled while awaiting payment only by the seller, when the buyer may no longer buy.
        S.AWAITING_PAYMENT: {S.PAID, S.OVERDUE, S.CANCELLED},
        S.OVERDUE: {S.PAID, S.CANCELLED},
        # Cancelled after payment only by the collection check (a VIN or odometer that is not the report's) or by
        # the seller refusing a price adjustment; the dealer's money goes back in full.
        S.PAID: {S.HANDED_OVER, S.CANCELLED},
        # A failed payout leaves the sale handed_over; the dealer may still dispute within the window.
        S.HANDED_OVER: {S.PAID_OUT, S.DISPUTED},
        S.PAID_OUT: {S.COMPLETED, S.DISPUTED},
        S.DISPUTED: {S.REFUNDED, S.COMPLETED},
        S.REFUNDED: set(),
        S.COMPLETED: set(),
        S.CANCELLED: set(),
    }
    del S
    P = PayoutStatus
    # transition(..., field="payout_status"), see payments.services.payouts: sending records the intent before the
    # bank is called (again after a failure); a worker that lost the race to a failure may still find the transfer
    # made (failed → sent); a payout refunds took all of is not due, for good.
    PAYOUT_STATUS_TRANSITIONS = {
        P.PENDING: {P.SENDING, P.NOT_DUE},
        P.SENDING: {P.SENT, P.FAILED},
        P.FAILED: {P.SENDING, P.SENT, P.NOT_DUE},
        P.SENT: set(),
        P.NOT_DUE: set(),
    }
    del P
    # The dealer's money is (or was) in escrow from here on.
    PAID_STATUSES = (Status.PAID, Status.HANDED_OVER, Status.PAID_OUT, Status.DISPUTED, Status.REFUNDED,
                     Status.COMPLETED)
    UNPAID_STATUSES = (Status.AWAITING_PAYMENT, Status.OVERDUE)

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="sales")
    listing = models.ForeignKey("marketplace.Listing", on_delete=models.PROTECT, related_name="sales")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales")
    second_chance_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="second_chance_sales",
                                         help_text=_("The cancelled sale whose car this dealer accepted."))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PAYMENT, db_index=True)

    currency = models.CharField(max_length=3)
    hammer_price_minor = models.BigIntegerField()
    buyer_fee_minor = models.BigIntegerField()
    seller_fee_minor = models.BigIntegerField()
    amount_due_minor = models.BigIntegerField(help_text=_("Hammer price plus the buyer's fee."))
    seller_receives_minor = models.BigIntegerField(help_text=_("Hammer price minus the seller's fee."))
    adjustment_minor = models.BigIntegerField(
        default=0, help_text=_("Price adjustments the seller accepted (or that applied at their deadline)."))
    deductible_used_minor = models.BigIntegerField(
        default=0, help_text=_("What accepted adjustments used of the deductible (once per sale)."))
    fee_schedule_version = models.CharField(
        max_length=40, default="fees-v1", help_text=_("The published fee schedule the fees were computed from."))
    refunded_minor = models.BigIntegerField(default=0, help_text=_("Everything refunded to the dealer."))
    guarantee_paid_minor = models.BigIntegerField(
        default=0, help_text=_("The part of the refunds the inspection guarantee paid (the seller's money untouched)."))
    set_off_minor = models.BigIntegerField(
        default=0, help_text=_("The part of this sale's payout kept to settle what the seller owed from other sales."))
    seller_debited_minor = models.BigIntegerField(
        default=0, help_text=_("The part of the refunds charged to the seller's account (what they then owed), because "
                             "their share had left escrow: paid out, or set off against their debts."))
    # The published report revision the dealer bid on (the auction's) and what it disclosed, snapshotted when the
    # sale opens: {line key: {"category", "label", "severity", "note", "text"}}
    # (inspections.selectors.report_disclosed_items). A later revision cannot move what a dispute may rely on.
    report = models.ForeignKey("inspections.InspectionReport", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sales")
    disclosed_items = models.JSONField(default=dict, blank=True)

    payment_deadline = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    # Set once, when the payment lands (payments.services.sales.sale_collection_deadline): the dealer collects by then.
    collection_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    # When the dealer and staff were told the collection is overdue (once: the sweep skips a sale told already).
    collection_overdue_at = models.DateTimeField(null=True, blank=True)
    collection_proposed_at = models.DateTimeField(null=True, blank=True)
    collection_place = models.CharField(max_length=300, blank=True)
    collection_proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.SET_NULL, related_name="+")
    doc_registration = models.BooleanField(_("registration documents"), default=False)
    doc_keys = models.BooleanField(_("all keys"), default=False)
    doc_service_book = models.BooleanField(_("service book"), default=False)
    seller_confirmed_at = models.DateTimeField(null=True, blank=True)
    buyer_confirmed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)

    payout_status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    payout_reference = models.CharField(max_length=100, blank=True)
    payout_attempts = models.PositiveIntegerField(default=0)
    payout_last_error = models.CharField(max_length=300, blank=True)
    # The IBAN the payout was sent to: the seller's account on file when the payout was sent (never another).
    payout_account = models.CharField(max_length=34, blank=True)
    # Why a due payout waits (no payout account on file, the email address not confirmed), shown to the seller.
    payout_waiting_reason = models.CharField(max_length=300, blank=True)
    paid_out_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One original sale per auction (what makes opening it idempotent), and at most
            # one sale per auction that is not cancelled (a second-chance sale follows a cancelled one).
            models.UniqueConstraint(fields=["auction"], condition=models.Q(second_chance_of__isnull=True),
                                    name="payments_sale_one_original_per_auction"),
            models.UniqueConstraint(fields=["auction"], condition=~models.Q(status="cancelled"),
                                    name="payments_sale_one_open_per_auction"),
            models.CheckConstraint(condition=models.Q(amount_due_minor=models.F("hammer_price_minor")
                                                      + models.F("buyer_fee_minor")),
                                   name="payments_sale_amount_due_adds_up"),
            models.CheckConstraint(condition=models.Q(seller_receives_minor=models.F("hammer_price_minor")
                                                      - models.F("seller_fee_minor")),
                                   name="payments_sale_seller_receives_adds_up"),
            models.CheckConstraint(condition=models.Q(hammer_price_minor__gt=0, buyer_fee_minor__gte=0,
                                                      seller_fee_minor__gte=0, seller_receives_minor__gte=0),
                                   name="payments_sale_amounts_sane"),
            models.CheckConstraint(condition=models.Q(refunded_minor__gte=0,
                                                      refunded_minor__lte=models.F("amount_due_minor")),
                                   name="payments_sale_refund_within_amount_due"),
            models.CheckConstraint(condition=models.Q(guarantee_paid_minor__gte=0,
                                                      guarantee_paid_minor__lte=models.F("refunded_minor")),
                                   name="payments_sale_guarantee_within_refunds"),
            models.CheckConstraint(condition=models.Q(set_off_minor__gte=0,
                                                      set_off_minor__lte=models.F("seller_receives_minor")),
                                   name="payments_sale_set_off_within_seller_share"),
            models.CheckConstraint(condition=models.Q(seller_debited_minor__gte=0,
                                                      seller_debited_minor__lte=models.F("refunded_minor")
                                                      - models.F("guarantee_paid_minor")),
                                   name="payments_sale_debited_within_charged"),
        ]
        indexes = [models.Index(fields=["buyer", "-created_at"]), models.Index(fields=["seller", "-created_at"])]

    def __str__(self):
        return f"Sale {self.pk} · {self.listing}"

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    @property
    def fees_minor(self) -> int:
        return self.buyer_fee_minor + self.seller_fee_minor

    @property
    def is_paid(self) -> bool:
        return self.status in self.PAID_STATUSES

    @property
    def is_collection_overdue(self) -> bool:
        """Paid, not collected, and past the collection deadline."""
        return (self.status == self.Status.PAID and self.collection_deadline is not None
                and self.collection_deadline < timezone.now())

    @property
    def seller_charged_minor(self) -> int:
        """The refunds charged to the sale itself (the seller's share, then the fees): all but the guarantee's."""
        return self.refunded_minor - self.guarantee_paid_minor

    @property
    def escrow_refunded_minor(self) -> int:
        """The refunds escrow paid: those charged to the sale, except what the seller's account was charged."""
        return self.seller_charged_minor - self.seller_debited_minor


class Payment(models.Model):
    """One attempt by the dealer to pay a sale through a provider. Confirmed at most once."""

    class Provider(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Card (simulated)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        # Money arrived for a sale that another payment had already settled; it went straight back.
        DUPLICATE_REFUNDED = "duplicate_refunded", _("Duplicate, refunded")

    TRANSITIONS = {Status.PENDING: {Status.CONFIRMED, Status.DUPLICATE_REFUNDED}, Status.CONFIRMED: set(),
                   Status.DUPLICATE_REFUNDED: set()}

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    reference = models.CharField(max_length=100, unique=True, help_text=_("Ours: shown to the dealer."))
    provider_reference = models.CharField(max_length=200, blank=True, help_text=_("The provider's / bank's id."))
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    refund_reference = models.CharField(max_length=200, blank=True)
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0),
                                              name="payments_payment_amount_positive")]

    def __str__(self):
        return self.reference


class PayoutTransfer(models.Model):
    """The bank payout provider's record of an outgoing transfer. One per idempotency key, ever."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    reference = models.CharField(max_length=100, unique=True)
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The account (IBAN) the transfer went to; empty for transfers recorded before accounts were checked.
    account = models.CharField(max_length=34, blank=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.reference


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        REFUND = "refund", _("Full refund")
        PARTIAL = "partial", _("Partial refund")
        REJECT = "reject", _("Rejected")

    class Cause(models.TextChoices):
        """Who pays a refund, decided by staff: the same rule before and after the payout."""

        NONE = "", "—"
        INSPECTION_MISSED = "inspection_missed", _("The inspection missed it: Gavel's inspection guarantee pays")
        SELLER_MISREPRESENTED = "seller_misrepresented", _("The seller misrepresented the car: the seller pays")

    TRANSITIONS = {Status.OPEN: {Status.RESOLVED}, Status.RESOLVED: set()}
    # Decided once, together with status → resolved.
    OUTCOME_TRANSITIONS = {Outcome.NONE: {Outcome.REFUND, Outcome.PARTIAL, Outcome.REJECT}, Outcome.REFUND: set(),
                           Outcome.PARTIAL: set(), Outcome.REJECT: set()}

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=5000)
    item_keys = models.JSONField(default=list, blank=True, help_text=_("Report items the dispute relies on."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.NONE, blank=True)
    resolution = models.TextField(blank=True)
    refund_minor = models.BigIntegerField(default=0)
    refund_reference = models.CharField(max_length=200, blank=True)
    cause = models.CharField(max_length=24, choices=Cause.choices, default=Cause.NONE, blank=True)
    cause_reason = models.TextField(blank=True,
                                    help_text=_("Why the seller is held responsible (the seller reads it)."))
    # The no-chip rules (payments.nochip): what the dealer recorded, and the computation made when the dispute was
    # opened, with the refund the rules give. Staff deciding any other amount is an override: `overridden`, with
    # `resolution` as the written reason both sides read.
    findings = models.JSONField(default=list, blank=True, help_text=_("[{key, severity, photos}] as recorded."))
    computation = models.JSONField(default=dict, blank=True)
    computed_minor = models.BigIntegerField(default=0, help_text=_("The refund the published rules give."))
    deductible_applied_minor = models.BigIntegerField(default=0)
    overridden = models.BooleanField(default=False, help_text=_("Staff decided differently from the computation."))
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["sale"], condition=models.Q(status="open"),
                                               name="payments_dispute_one_open_per_sale")]

    def __str__(self):
        return f"Dispute {self.pk} on sale {self.sale_id}"


class DisputePhoto(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="photos")
    finding_key = models.CharField(max_length=100, blank=True, help_text=_("The finding this photo shows."))
    original = models.ImageField(max_length=255)
    thumb = models.ImageField(max_length=255)
    medium = models.ImageField(max_length=255)
    large = models.ImageField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"Photo {self.pk} of dispute {self.dispute_id}"


class SecondChanceOffer(models.Model):
    """After a sale is cancelled unpaid: the car offered to the next-highest dealer at their last bid.

    Below the reserve the seller is asked first (`consent`): the offer waits for the seller and reaches the dealer
    only after the seller's yes. A no, or no answer in time, ends the second chances: the car can be offered again."""

    class Status(models.TextChoices):
        AWAITING_SELLER = "awaiting_seller", _("Waiting for the seller's consent (below the reserve)")
        PENDING = "pending", _("Waiting for the dealer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        SELLER_DECLINED = "seller_declined", _("Not made: the seller did not agree to the price")
        WITHDRAWN = "withdrawn", _("Withdrawn: the dealer may no longer buy")

    S = Status
    TRANSITIONS = {
        S.AWAITING_SELLER: {S.PENDING, S.SELLER_DECLINED, S.WITHDRAWN},
        S.PENDING: {S.ACCEPTED, S.DECLINED, S.EXPIRED, S.WITHDRAWN},
        S.ACCEPTED: set(), S.DECLINED: set(), S.EXPIRED: set(), S.SELLER_DECLINED: set(), S.WITHDRAWN: set(),
    }
    del S
    OPEN_STATUSES = (Status.AWAITING_SELLER, Status.PENDING)

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="second_chance_offers")
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="second_chance_offers")
    amount_minor = models.BigIntegerField(help_text=_("The dealer's last visible bid."))
    consent = models.OneToOneField("auctions.SellerConsent", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="second_chance_offer",
                                   help_text=_("Below the reserve: the seller's decision this offer waits for."))
    expires_at = models.DateTimeField(
        db_index=True, help_text=_("The dealer's deadline once the offer is theirs (the seller's while it waits)."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    new_sale = models.OneToOneField(Sale, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sale"], condition=models.Q(status__in=["awaiting_seller", "pending"]),
                                    name="payments_offer_one_open_per_sale"),
            models.UniqueConstraint(fields=["sale", "dealer"], name="payments_offer_once_per_dealer"),
        ]

    def __str__(self):
        return f"Second-chance offer {self.pk} on sale {self.sale_id}"


class GuaranteeClaim(AppendOnlyModel):
    """A refund the inspection guarantee paid because the inspection missed a defect: traced to the report
    revision, the lines the dispute named and the inspector who published it. Append-only, like the ledger."""

    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="guarantee_claim")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="guarantee_claims")
    report = models.ForeignKey("inspections.InspectionReport", on_delete=models.PROTECT,
                               related_name="guarantee_claims")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    item_keys = models.JSONField(default=list)
    lines = models.JSONField(default=list, help_text=_("The report lines the inspection missed, as they read."))
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    ledger_transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("inspection guarantee payment")
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0),
                                              name="payments_guarantee_claim_amount_positive")]

    def __str__(self):
        return f"Guarantee payment for dispute {self.dispute_id}"


class SellerReceivable(models.Model):
    """What a seller owes Gavel: staff decided the seller misrepresented the car and the refund came after the
    payout. Explicit data the seller sees on the sale page (amount, reason, how to settle), mirrored in the
    ledger by the seller's account going negative by exactly the outstanding amount. Settled by a payment staff
    record (a bank transfer with the receivable's reference) or set off against the seller's next payout."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled")

    TRANSITIONS = {Status.OPEN: {Status.SETTLED}, Status.SETTLED: set()}

    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="receivables")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="receivables")
    dispute = models.OneToOneField(Dispute, on_delete=models.PROTECT, related_name="receivable")
    amount_minor = models.BigIntegerField()
    settled_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    reason = models.TextField(help_text=_("Staff's written reason: why the seller is held responsible."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    ledger_transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="+",
                                           help_text=_("The refund that charged the seller's account."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("seller receivable")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payments_receivable_amount_positive"),
            models.CheckConstraint(condition=models.Q(settled_minor__gte=0,
                                                      settled_minor__lte=models.F("amount_minor")),
                                   name="payments_receivable_settled_within_amount"),
            models.CheckConstraint(condition=(models.Q(status="open", settled_minor__lt=models.F("amount_minor"))
                                              | models.Q(status="settled",
                                                         settled_minor=models.F("amount_minor"))),
                                   name="payments_receivable_status_matches_settled"),
        ]
        indexes = [models.Index(fields=["seller", "status"], name="payments_receivable_seller")]

    def __str__(self):
        return f"Receivable {self.pk}: {Money(self.amount_minor, self.currency)} from {self.seller}"

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.settled_minor

    @property
    def bank_reference(self) -> str:
        """What the seller writes on their transfer (check digits: a mistyped reference fails the check)."""
        return receivable_reference(self.pk)

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


class ReceivableSettlement(AppendOnlyModel):
    """One payment towards a receivable: a bank transfer staff saw arrive, or a set-off against a payout."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer from the seller")
        SET_OFF = "set_off", _("Set off against a payout")

    receivable = models.ForeignKey(SellerReceivable, on_delete=models.PROTECT, related_name="settlements")
    method = models.CharField(max_length=16, choices=Method.choices)
    amount_minor = models.BigIntegerField()
    bank_reference = models.CharField(max_length=200, blank=True, help_text=_("The bank's id of the transfer."))
    payout_sale = models.ForeignKey(Sale, null=True, blank=True, on_delete=models.PROTECT, related_name="set_offs",
                                    help_text=_("The sale whose payout was set off."))
    ledger_transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payments_settlement_amount_positive"),
            models.UniqueConstraint(fields=["receivable", "payout_sale"], condition=models.Q(method="set_off"),
                                    name="payments_settlement_one_set_off_per_payout"),
        ]

    def __str__(self):
        return f"{self.get_method_display()}: {Money(self.amount_minor, self.receivable.currency)}"


class DealerReceivable(models.Model):
    """What a dealer owes Gavel: a published fee (break fee, unpaid-sale fee) larger than their deposit held. The
    deposit paid what it held; the rest is this row, mirrored in the ledger by the dealer's account going negative
    by exactly what is outstanding (payments.ledger). While one is open the dealer's buying limit is nothing
    (accounts.services.dealer_buying_limit_effective); the next deposit top-ups settle it, oldest first."""

    class Status(models.TextChoices):
        OPEN = "open", _("Owed")
        SETTLED = "settled", _("Paid")

    TRANSITIONS = {Status.OPEN: {Status.SETTLED}, Status.SETTLED: set()}

    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dealer_receivables")
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="dealer_receivables")
    kind = models.CharField(max_length=32,
                            help_text=_("The fee: a LedgerTransaction kind (break_fee, unpaid_sale_fee)."))
    fee_minor = models.BigIntegerField(help_text=_("The published fee in full."))
    amount_minor = models.BigIntegerField(help_text=_("What the deposit could not cover: owed."))
    settled_minor = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    ledger_transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="+",
                                              help_text=_("The transaction that charged the dealer's account."))
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dealer receivable")
        constraints = [
            models.UniqueConstraint(fields=["sale", "kind"], name="payments_dealer_receivable_one_per_fee"),
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0, amount_minor__lte=models.F("fee_minor")),
                                   name="payments_dealer_receivable_amount_within_fee"),
            models.CheckConstraint(condition=models.Q(settled_minor__gte=0,
                                                      settled_minor__lte=models.F("amount_minor")),
                                   name="payments_dealer_receivable_settled_within_amount"),
            models.CheckConstraint(condition=(models.Q(status="open", settled_minor__lt=models.F("amount_minor"))
                                              | models.Q(status="settled",
                                                         settled_minor=models.F("amount_minor"))),
                                   name="payments_dealer_receivable_status_matches_settled"),
        ]
        indexes = [models.Index(fields=["dealer", "status"], name="payments_dealer_recv_dealer")]

    def __str__(self):
        return f"Dealer receivable {self.pk}: {Money(self.amount_minor, self.currency)} from {self.dealer}"

    @property
    def outstanding_minor(self) -> int:
        return self.amount_minor - self.settled_minor


class DepositTopUp(models.Model):
    """A dealer's announced bank transfer into their deposit: pending until staff confirm the money arrived (as
    for sale payments by bank transfer), then one ledger transaction (bank → deposit)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the transfer")
        CONFIRMED = "confirmed", _("Received")

    TRANSITIONS = {Status.PENDING: {Status.CONFIRMED}, Status.CONFIRMED: set()}

    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposit_topups")
    amount_minor = models.BigIntegerField()
    received_minor = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3)
    reference = models.CharField(max_length=40, unique=True, null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    ledger_transaction = models.OneToOneField(LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deposit top-up")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="payments_topup_amount_positive"),
            models.CheckConstraint(condition=models.Q(received_minor__isnull=True) | models.Q(received_minor__gt=0),
                                   name="payments_topup_received_positive"),
        ]

    def __str__(self):
        return f"Deposit top-up {self.reference or self.pk}"


class DepositWithdrawal(AppendOnlyModel):
    """Money sent back from a dealer's deposit to their bank (deposit → bank), once nothing was pending."""

    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposit_withdrawals")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    payout_reference = models.CharField(max_length=100)
    ledger_transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deposit withdrawal")
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0),
                                              name="payments_withdrawal_amount_positive")]

    def __str__(self):
        return f"Deposit withdrawal {self.payout_reference}"


class CollectionCheck(models.Model):
    """What the buying dealer recorded at the handover against the published report: the VIN plate, the odometer,
    and per area "as reported" or a finding (payments.nochip decides each finding; `computation` is its answer,
    Computation.as_dict(), with the table and schedule versions it used)."""

    sale = models.OneToOneField(Sale, on_delete=models.PROTECT, related_name="collection_check")
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vin_on_car = models.CharField(max_length=32)
    odometer_km = models.PositiveIntegerField()
    findings = models.JSONField(default=list, help_text=_("[{key, severity, photos}] as recorded."))
    as_reported = models.JSONField(default=list, help_text=_("The areas recorded as the report has them."))
    outcome = models.CharField(max_length=32)
    computation = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"Collection check of sale {self.sale_id}"


class CollectionPhoto(models.Model):
    class Kind(models.TextChoices):
        VIN = "vin", _("VIN plate")
        ODOMETER = "odometer", _("Odometer")
        FINDING = "finding", _("Finding")

    collection_check = models.ForeignKey(CollectionCheck, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    finding_key = models.CharField(max_length=100, blank=True)
    original = models.ImageField(max_length=255)
    thumb = models.ImageField(max_length=255)
    medium = models.ImageField(max_length=255)
    large = models.ImageField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.get_kind_display()} photo of check {self.collection_check_id}"


class AdjustmentRequest(models.Model):
    """A price adjustment the dealer requested from their collection check: the amount is the computation's
    (payments.nochip.claim_compute), never typed. The seller accepts or refuses before the deadline; at the
    deadline the computed adjustment applies (a late refusal is refused). One per sale."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the seller")
        ACCEPTED = "accepted", _("Accepted: the price is adjusted")
        REFUSED = "refused", _("Refused: the sale is cancelled")
        LAPSED = "lapsed", _("Not answered in time: the price is adjusted")

    TRANSITIONS = {Status.PENDING: {Status.ACCEPTED, Status.REFUSED, Status.LAPSED}, Status.ACCEPTED: set(),
                   Status.REFUSED: set(), Status.LAPSED: set()}
    APPLIED = (Status.ACCEPTED, Status.LAPSED)

    sale = models.OneToOneField(Sale, on_delete=models.PROTECT, related_name="adjustment_request")
    collection_check = models.ForeignKey(CollectionCheck, on_delete=models.PROTECT, related_name="+")
    dealer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount_minor = models.BigIntegerField()
    deductible_applied_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    computation = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    deadline = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    break_fee_minor = models.BigIntegerField(default=0, help_text=_("The published break fee, when refused."))
    break_fee_taken_minor = models.BigIntegerField(default=0, help_text=_("What the dealer's deposit paid of it."))

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0),
                                              name="payments_adjustment_amount_positive")]

    def __str__(self):
        return f"Adjustment request on sale {self.sale_id}"


class BuyNowOffer(models.Model):
    """An unsold car offered at a fixed price for a short time: staff propose the price, the seller agrees to it
    (their agreement is their consent to that price, below the reserve too), and the first verified dealer who
    confirms buys the car — one sale, whoever else confirms at the same moment."""

    class Status(models.TextChoices):
        AWAITING_SELLER = "awaiting_seller", _("Waiting for the seller to agree")
        OPEN = "open", _("Open to dealers")
        SOLD = "sold", _("Sold")
        DECLINED = "declined", _("Declined by the seller")
        EXPIRED = "expired", _("Nobody bought it in time")

    S = Status
    TRANSITIONS = {S.AWAITING_SELLER: {S.OPEN, S.DECLINED, S.EXPIRED}, S.OPEN: {S.SOLD, S.EXPIRED},
                   S.SOLD: set(), S.DECLINED: set(), S.EXPIRED: set()}
    del S

    auction = models.ForeignKey("auctions.Auction", on_delete=models.PROTECT, related_name="buy_now_offers",
                                help_text=_("The auction that ended without a sale."))
    listing = models.ForeignKey("marketplace.Listing", on_delete=models.PROTECT, related_name="buy_now_offers")
    price_minor = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING_SELLER)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    seller_agreed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text=_("Set when the seller agrees."))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    sale = models.OneToOneField(Sale, null=True, blank=True, on_delete=models.PROTECT, related_name="buy_now_offer")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("buy-now offer")
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=models.Q(status__in=["awaiting_seller", "open"]),
                                    name="payments_buy_now_one_active_per_listing"),
            models.CheckConstraint(condition=models.Q(price_minor__gt=0), name="payments_buy_now_price_positive"),
        ]

    def __str__(self):
        return f"Buy now {self.pk} · {self.listing}: {Money.of(self.price_minor).format(show_minor=False)}"


class UnsoldListing(Listing):
    """Admin's view of cars whose auction ended without a sale (a proxy: no table of its own), to offer them for
    buy now."""

    class Meta:
        proxy = True
        verbose_name = _("unsold car")
        verbose_name_plural = _("unsold cars (buy now)")


class DocumentCounter(models.Model):
    """The last number issued in a series and year. Issuing a document locks its row for the transaction that
    inserts the document, so numbers are sequential and gapless however many are issued at once."""

    series = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="payments_documentcounter_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class Document(models.Model):
    """An invoice, a credit note or a seller's statement, as issued: its number, lines and totals never change
    (a PostgreSQL trigger refuses it; a refund is a credit note, never an edited invoice). The PDF is rendered once
    after issue and stored; the stored file is never replaced."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")
        STATEMENT = "statement", _("Seller statement")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.CharField(max_length=24, unique=True)
    series = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="documents")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents")
    credits = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
                                help_text=_("The invoice a credit note corrects."))
    issued_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    # {"issuer": {"name", "address", "vat_id"}, "recipient": {"name", "address", "email", "vat_id"},
    #  "vehicle": {...}, "reference"}: as they were at issue (a later change of settings or profile changes nothing).
    parties = models.JSONField()
    # [{"description", "net_minor", "vat_rate" (a decimal string, "0" for none), "vat_minor", "gross_minor",
    #   "vat_note"}]: computed by payments.services.documents, exact in minor units.
    lines = models.JSONField()
    net_minor = models.BigIntegerField()
    vat_minor = models.BigIntegerField()
    total_minor = models.BigIntegerField()
    issue_key = models.CharField(max_length=80, unique=True, help_text=_("What issued it: one document per event."))
    pdf = models.FileField(upload_to="documents/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "year", "sequence"], name="payments_document_sequence_unique"),
            models.CheckConstraint(condition=models.Q(total_minor=models.F("net_minor") + models.F("vat_minor")),
                                   name="payments_document_total_is_net_plus_vat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
