import factory
from django.utils import timezone
from schwifty import IBAN

from accounts import services
from accounts.models import DealerDocument, DealerProfile, Membership, User
from tests.factory_typing import ModelFactory
from tests.marketplace.images import pdf_bytes, upload

PASSWORD = "correct-horse-battery-9"


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    role = User.Role.SELLER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # As the data migration left every account made before verification existed: confirmed. An unverified
    # account is UserFactory(email_verified_at=None).
    email_verified_at = factory.LazyFunction(timezone.now)
    # A valid IBAN of each user's own (a payout waits without one; the shill rules compare them).
    payout_account = factory.Sequence(lambda n: IBAN.generate("DE", bank_code="37040044",
                                                              account_code=f"{n + 1:010d}").compact)

    @factory.post_generation
    def _save_password(obj: User, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class SellerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"seller{n}@example.test")
    role = User.Role.SELLER


class InspectorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"inspector{n}@example.test")
    role = User.Role.INSPECTOR
    region = "Berlin"


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    role = User.Role.STAFF
    is_staff = True
    is_superuser = True


class DealerProfileFactory(ModelFactory[DealerProfile]):
    class Meta:
        model = DealerProfile
        skip_postgeneration_save = True

    user = factory.SubFactory("tests.accounts.factories.DealerFactory", profile=None)
    company_name = factory.Sequence(lambda n: f"Autohaus {n} GmbH")
    trade_licence_number = factory.Sequence(lambda n: f"LIC-{n:06d}")
    address = "Hauptstraße 1, 10115 Berlin"
    phone = "+49 30 123456"
    status = DealerProfile.Status.PENDING
    # Test dealers bid on an individual limit staff set (a deposit is what payments' deposit tests add).
    buying_limit_minor = 50_000_00
    individual_limit_minor = factory.LazyAttribute(lambda o: o.buying_limit_minor)
    verified_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == DealerProfile.Status.VERIFIED else None)

    @factory.post_generation
    def _owner(obj: DealerProfile, create, extracted, **kwargs):
        # As accounts.services.dealer_register does: the dealer owns their one-member organisation.
        if create:
            Membership.objects.create(organisation=obj, user_id=obj.user_id, role=Membership.Role.OWNER)


class DealerFactory(UserFactory):
    """A dealer user with a profile: DealerFactory(), DealerFactory(verified=True), DealerFactory(suspended=True);
    profile fields through profile__<field>."""

    email = factory.Sequence(lambda n: f"dealer{n}@example.test")
    role = User.Role.DEALER
    profile = factory.RelatedFactory(DealerProfileFactory, factory_related_name="user",
                                     status=factory.SelfAttribute("..status"))

    class Params:
        status = DealerProfile.Status.PENDING
        verified = factory.Trait(status=DealerProfile.Status.VERIFIED)
        suspended = factory.Trait(status=DealerProfile.Status.SUSPENDED)


def member_of(dealer: User, role: str, **fields) -> User:
    """A person in `dealer`'s organisation with `role` ("owner", "buyer", "accounts"): a dealer-role user of their
    own, with no profile (the organisation's is `dealer`'s)."""
    user = UserFactory(role=User.Role.DEALER, **fields)
    Membership.objects.create(organisation=dealer.dealer_profile, user=user, role=role)
    return user


def accepted_trade_licence(profile: DealerProfile, *, staff) -> DealerDocument:
    """The dealer's trade licence, uploaded and accepted by `staff`: what a first verification needs."""
    licence = services.dealer_document_upload(profile=profile, actor=profile.user,
                                              upload=upload(pdf_bytes(), "licence.pdf", "application/pdf"))
    services.dealer_document_review(document=licence, actor=staff, accept=True)
    return licence
