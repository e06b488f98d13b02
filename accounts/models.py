from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import ReviewedDocument

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("role", User.Role.SELLER)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=User.Role.STAFF, is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        SELLER = "seller", _("Seller")
        DEALER = "dealer", _("Dealer")
        INSPECTOR = "inspector", _("Inspector")
        STAFF = "staff", _("Staff")

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True)
    payout_account = models.CharField(
        max_length=34, blank=True, db_index=True,
        help_text=_("The IBAN or bank account Gavel pays this user to: capital letters and digits, no spaces."),
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SELLER, db_index=True)
    region = models.CharField(
        max_length=100, blank=True, help_text=_("Inspectors: the area whose open inspections they may claim.")
    )
    # Set when the user opens the emailed verification link (accounts.security); until then the account can browse
    # but not list, bid or be paid.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # Whether the user has a confirmed second factor (a TOTP device): kept by accounts.security when a device is
    # confirmed or removed, read on every request by accounts.middleware without a query.
    two_factor_enabled = models.BooleanField(default=False)
    # The language Gavel writes to this user in (pages, emails, notifications); blank: the browser's. Set by the
    # language switcher (core.views.language_set) and the account page.
    language = models.CharField(max_length=10, blank=True, choices=settings.LANGUAGES, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can log into the admin site."))
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the account is closed (privacy.services.account_close): its personal fields erased or pseudonymised,
    # sign-in disabled for good; what the ledger and the records keep refers to this id only.
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["seller", "dealer", "inspector", "staff"]), name="accounts_user_role_valid"
            ),
        ]
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_seller(self):
        return self.role == self.Role.SELLER

    @property
    def is_dealer(self):
        return self.role == self.Role.DEALER

    @property
    def is_inspector(self):
        return self.role == self.Role.INSPECTOR

    @property
    def is_staff_member(self):
        return self.role == self.Role.STAFF or self.is_staff


def default_buying_limit():
    """Kept for the first migration, which names it; a new dealer's limit comes from their deposit (0 without)."""
    return settings.GAVEL_DEFAULT_BUYING_LIMIT_MINOR


class DealerProfile(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending verification")
        VERIFIED = "verified", _("Verified")
        SUSPENDED = "suspended", _("Suspended")

    TRANSITIONS = {
        Status.PENDING: {Status.VERIFIED, Status.SUSPENDED},
        Status.VERIFIED: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.VERIFIED},
    }

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dealer_profile")
    company_name = models.CharField(max_length=200)
    trade_licence_number = models.CharField(max_length=64)
    address = models.TextField()
    phone = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The limit every bid and offer is checked against: nothing while the dealer owes Gavel a fee; otherwise the
    # staff's individual limit when one is set, otherwise what the deposit gives (deposit × the published
    # multiple, told by payments.services.deposits). The rule is accounts.services.dealer_buying_limit_effective;
    # nothing else writes this field.
    buying_limit_minor = models.BigIntegerField(default=0)
    individual_limit_minor = models.BigIntegerField(
        null=True, blank=True, help_text=_("An individual buying limit staff set (audited); empty: the deposit's."))
    deposit_limit_minor = models.BigIntegerField(
        default=0, help_text=_("The buying limit the dealer's deposit gives (deposit × the published multiple)."))
    owed_minor = models.BigIntegerField(
        default=0, help_text=_("What the dealer owes Gavel: published fees their deposit could not cover (told by "
                               "payments). While above nothing, the buying limit is nothing."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("trade_licence_number"), name="accounts_dealer_licence_ci_unique"),
            models.CheckConstraint(condition=models.Q(buying_limit_minor__gte=0), name="accounts_dealer_limit_gte_0"),
            models.CheckConstraint(condition=models.Q(deposit_limit_minor__gte=0),
                                   name="accounts_dealer_deposit_limit_gte_0"),
            models.CheckConstraint(condition=models.Q(owed_minor__gte=0), name="accounts_dealer_owed_gte_0"),
            models.CheckConstraint(condition=models.Q(individual_limit_minor__isnull=True)
                                   | models.Q(individual_limit_minor__gte=0),
                                   name="accounts_dealer_individual_limit_gte_0"),
        ]
        ordering = ["company_name"]

    def __str__(self):
        return f"{self.company_name} ({self.user.email})"

    @property
    def can_bid(self) -> bool:
        return self.status == self.Status.VERIFIED and self.user.is_active


# A dealer organisation is the dealer profile: its record (company, licence, verification status, buying limit,
# deposit) and the account its bids, sales, deposit and invoices are keyed to (`DealerProfile.user`, the founding
# owner). Members act for it; each member has one role. Organisation is the name the rest of the code reads.
Organisation = DealerProfile


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        BUYER = "buyer", _("Buyer")
        ACCOUNTS = "accounts", pgettext_lazy("a member's role", "Accounts")

    organisation = models.ForeignKey(DealerProfile, on_delete=models.CASCADE, related_name="memberships")
    # One organisation per person: who a bid or a payment is for is never ambiguous.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=["owner", "buyer", "accounts"]),
                                   name="accounts_membership_role_valid"),
        ]
        ordering = ["organisation_id", "created_at"]

    def __str__(self):
        return f"{self.user_id} {self.role} of {self.organisation_id}"

    @property
    def role_in_sentence(self) -> str:
        return str(ROLE_IN_A_SENTENCE.get(self.role, self.role))


# A member's role inside a sentence ("You are buyer here", "… as owner"): lower case in English; each language
# writes it as its grammar wants (German nouns keep their capital).
ROLE_IN_A_SENTENCE: dict[str, "StrOrPromise"] = {
    Membership.Role.OWNER: pgettext_lazy("a member's role, inside a sentence", "owner"),
    Membership.Role.BUYER: pgettext_lazy("a member's role, inside a sentence", "buyer"),
    Membership.Role.ACCOUNTS: pgettext_lazy("a member's role, inside a sentence", "accounts"),
}


class Invitation(models.Model):
    organisation = models.ForeignKey(DealerProfile, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    # SHA-256 of the token in the emailed link; the token itself is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=["owner", "buyer", "accounts"]),
                                   name="accounts_invitation_role_valid"),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.role}) to {self.organisation_id}"

    @property
    def role_in_sentence(self) -> str:
        return str(ROLE_IN_A_SENTENCE.get(self.role, self.role))


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        BID = "bid", _("Bid")
        PAY = "pay", _("Pay")
        WEBHOOKS = "webhooks", _("Webhooks")

    organisation = models.ForeignKey(DealerProfile, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The key's public part (shown in lists, e.g. "gvk_3fa9c2d1"); the secret is kept only as a SHA-256 digest:
    # keys are 256 random bits, so a fast digest is as safe as a slow password hash and costs nothing per request.
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    # The owner who made it: requests with the key act as them, limited to the key's scopes.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SessionSighting(models.Model):
    """A sign-in seen from a network address (IP) and a device (a hash of the browser's device cookie; empty for an
    API client), kept for the
    shill rules: a bidder seen on the seller's address or device within a window is flagged for staff review
    (auctions.selectors.auction_integrity_report). One row per user, address and device; `seen_at` the latest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sightings")
    ip = models.GenericIPAddressField()
    device = models.CharField(max_length=64, blank=True, help_text=_("SHA-256 of the device cookie, hex; empty: none."))
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "ip", "device"], name="accounts_sighting_unique")]
        indexes = [models.Index(fields=["ip", "seen_at"], name="accounts_sighting_ip"),
                   models.Index(fields=["device", "seen_at"], name="accounts_sighting_device")]
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.user} from {self.ip}"


class DealerDocument(ReviewedDocument):
    """A document a dealer uploads for their verification: the trade licence. Staff verify a dealer only once a
    trade licence of theirs is accepted (accounts.services.dealer_verify)."""

    class Kind(models.TextChoices):
        TRADE_LICENCE = "trade_licence", _("Trade licence")

    profile = models.ForeignKey(DealerProfile, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.TRADE_LICENCE)

    class Meta(ReviewedDocument.Meta):
        pass

    def __str__(self):
        return f"{self.get_kind_display()} of {self.profile.company_name}"
