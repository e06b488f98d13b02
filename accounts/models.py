from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


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
        SELLER = "seller", "Seller"
        DEALER = "dealer", "Dealer"
        INSPECTOR = "inspector", "Inspector"
        STAFF = "staff", "Staff"

    email = models.EmailField("email address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    phone = models.CharField(max_length=32, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SELLER, db_index=True)
    region = models.CharField(
        max_length=100, blank=True, help_text="Inspectors: the area whose open inspections they may claim."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("staff status", default=False, help_text="Can log into the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

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
        PENDING = "pending", "Pending verification"
        VERIFIED = "verified", "Verified"
        SUSPENDED = "suspended", "Suspended"

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
        null=True, blank=True, help_text="An individual buying limit staff set (audited); empty: the deposit's.")
    deposit_limit_minor = models.BigIntegerField(
        default=0, help_text="The buying limit the dealer's deposit gives (deposit × the published multiple).")
    owed_minor = models.BigIntegerField(
        default=0, help_text="What the dealer owes Gavel: published fees their deposit could not cover (told by "
                             "payments). While above nothing, the buying limit is nothing.")
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
