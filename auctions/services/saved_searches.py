"""Saved searches (issue 17): a dealer keeps a dashboard filter and is told of each new auction that matches it —
once when the auction is scheduled and again when it goes live — in the app, by email (at once or in a daily
digest) and to their webhook endpoints.

Announcing costs a fixed number of queries whatever the number of saved searches: one for the auction, one over
every saved search (auctions.selectors.saved_search_list_matching), one to record the matches, one for the dealers
and one for their organisations' accounts (whose webhook endpoints a member's search alerts); then one notification
per match. Each announcement is told once per search and stage (its event_key), however often it
runs; it runs after the auction's transaction commits, through a Celery task (bench/saved_searches.py)."""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, User
from auctions.models import (
    LOCATION_PLACES_MAX,
    Auction,
    SavedSearch,
    SavedSearchMatch,
    location_places,
    location_places_key,
)
from auctions.selectors import saved_search_auction_get, saved_search_list_matching
from core.clock import db_now
from core.exceptions import ApplicationError, PermissionRefused, ValidationFailed
from core.i18n import in_language_of, translatable
from core.money import AMOUNT_MAX_MINOR, Money
from core.notifications import notify
from integrations.models import EventType
from integrations.services import webhook_emit

logger = logging.getLogger(__name__)

SEARCHES_PER_DEALER = 50
CRITERIA = ("make", "model", "year_min", "year_max", "mileage_max", "price_min", "price_max", "grade", "location")


class SavedSearchNotFound(ApplicationError):
    code = "not_found"
    status_code = 404

    def default_message(self):
        return _("No such saved search.")


def _dealer_ensure(user) -> None:
    if not getattr(user, "is_authenticated", False) or user.role != User.Role.DEALER:
        raise PermissionRefused(_("Only dealers save searches."))


def _criteria_clean(fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name, longest in (("make", 60), ("model", 80), ("grade", 20), ("location", 100)):
        value = fields.get(name) or ""
        if not isinstance(value, str) or len(value.strip()) > longest:
            errors[name] = [_("At most %(count)d characters.") % {"count": longest}]
        else:
            clean[name] = value.strip()
    bounds = {"year_min": (1900, 2100), "year_max": (1900, 2100), "mileage_max": (0, 10_000_000),
              "price_min": (0, AMOUNT_MAX_MINOR), "price_max": (0, AMOUNT_MAX_MINOR)}
    for name, (low, high) in bounds.items():
        value = fields.get(name)
        if value in (None, ""):
            clean[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [_("A whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
        else:
            clean[name] = value
    if "location" in clean:
        places = location_places(clean["location"])
        if len(places) > LOCATION_PLACES_MAX:
            errors["location"] = [_("At most %(count)d cities or postcode areas.") % {"count": LOCATION_PLACES_MAX}]
        else:
            clean["location"] = ", ".join(part.strip() for part in clean["location"].split(",") if part.strip())
            clean["places"] = location_places_key(places)
    for lower, upper in (("year_min", "year_max"), ("price_min", "price_max")):
        if clean.get(lower) is not None and clean.get(upper) is not None and clean[lower] > clean[upper]:
            errors[upper] = [_("Not below the minimum.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def saved_search_create(*, dealer: User, name: str, criteria: dict, alert_in_app: bool = True,
                        alert_email: str = SavedSearch.Email.OFF, alert_webhook: bool = False) -> SavedSearch:
    _dealer_ensure(dealer)
    clean = _criteria_clean(criteria)
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 100:
        errors["name"] = [_("A name of 1 to 100 characters.")]
    if alert_email not in SavedSearch.Email.values:
        errors["alert_email"] = [_("One of %(choices)s.") % {"choices": ", ".join(SavedSearch.Email.values)}]
    if not (alert_in_app or alert_webhook or alert_email != SavedSearch.Email.OFF):
        errors["alert_in_app"] = [_("Choose at least one way to be told.")]
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=dealer.pk).exists()  # the per-dealer limit holds under races
        if SavedSearch.objects.filter(dealer=dealer).count() >= SEARCHES_PER_DEALER:
            raise ApplicationError(_("At most %(count)d saved searches.") % {"count": SEARCHES_PER_DEALER},
                                   code="too_many_searches")
        return SavedSearch.objects.create(dealer=dealer, name=name, alert_in_app=bool(alert_in_app),
                                          alert_email=alert_email, alert_webhook=bool(alert_webhook), **clean)


def saved_search_delete(*, dealer: User, search_id: int) -> None:
    _dealer_ensure(dealer)
    deleted, _by_model = SavedSearch.objects.filter(dealer=dealer, pk=search_id).delete()
    if not deleted:
        raise SavedSearchNotFound()


def saved_searches_announce(*, auction_id: int, stage: str) -> int:
    """Tell every saved search the auction matches, for this stage; returns how many searches matched."""
    auction = saved_search_auction_get(auction_id)
    wanted = Auction.Status.SCHEDULED if stage == SavedSearchMatch.Stage.SCHEDULED else Auction.Status.LIVE
    if auction is None or auction.status != wanted and not (
            stage == SavedSearchMatch.Stage.SCHEDULED and auction.status == Auction.Status.LIVE):
        return 0  # cancelled (or closed) before the announcement left: nobody is told of it
    price_minor = auction.price_minor if auction.price_minor is not None else auction.starting_price_minor
    searches = list(saved_search_list_matching(auction=auction, price_minor=price_minor).values(
        "id", "dealer_id", "name", "alert_in_app", "alert_email", "alert_webhook"))
    SavedSearchMatch.objects.bulk_create(
        [SavedSearchMatch(search_id=s["id"], auction_id=auction.pk, stage=stage) for s in searches],
        ignore_conflicts=True)
    listing = auction.listing
    price = Money.of(price_minor)
    url = reverse("auctions:detail", args=[auction.pk])
    dealers = {u.pk: u for u in User.objects.filter(pk__in={s["dealer_id"] for s in searches})}
    # A member's search alerts their organisation's webhook endpoints, which its account owns (integrations).
    accounts = dict(Membership.objects.filter(user_id__in=dealers).values_list("user_id", "organisation__user_id"))
    for search in searches:
        event_key = f"saved_search:{search['id']}:auction:{auction.pk}:{stage}"
        instant = search["alert_email"] == SavedSearch.Email.INSTANT
        if search["alert_in_app"] or instant:
            if stage == SavedSearchMatch.Stage.SCHEDULED:
                title = translatable("New for “{name}”: {car}, from {price}", name=search["name"],
                                     car=listing.display_title, price=price)
                body = translatable("Scheduled to start {at} UTC.", at=f"{auction.starts_at:%d %b %Y, %H:%M}")
            else:
                title = translatable("Live now for “{name}”: {car}, from {price}", name=search["name"],
                                     car=listing.display_title, price=price)
                body = translatable("Bidding is open until {at} UTC.", at=f"{auction.ends_at:%d %b %Y, %H:%M}")
            notify(user=dealers[search["dealer_id"]], kind="saved_search_match", title=title, body=body, url=url,
                   email=instant, event_key=event_key)
        if search["alert_webhook"]:
            webhook_emit(user_id=accounts.get(search["dealer_id"], search["dealer_id"]),
                         event_type=EventType.SAVED_SEARCH_MATCHED, resource="auction", resource_id=auction.pk,
                         event_key=event_key)
    return len(searches)


def saved_searches_announce_on_commit(*, auction_id: int, stage: str) -> None:
    """Announce after the auction's transaction commits: a Celery task (in-process when notifications are not
    asynchronous, or when the queue is away — the auction has committed; its announcement must not be lost)."""

    def run():
        if not settings.GAVEL_NOTIFY_ASYNC:
            saved_searches_announce(auction_id=auction_id, stage=stage)
            return
        from auctions import tasks  # auctions.tasks imports the services

        try:
            tasks.saved_searches_announce_task.delay(auction_id=auction_id, stage=stage)
        except Exception as exc:
            logger.warning("saved searches: queue unavailable, announcing in-process: %s", exc)
            saved_searches_announce(auction_id=auction_id, stage=stage)

    transaction.on_commit(run)


def saved_search_digests_send() -> int:
    """The daily digest: one email per dealer listing the matches of their daily searches not sent yet.
    Returns how many emails left. A match is marked sent only with its email."""
    pending = SavedSearchMatch.objects.filter(
        digested_at__isnull=True, search__alert_email=SavedSearch.Email.DAILY,
    ).select_related("search__dealer", "auction__listing").order_by("search__dealer_id", "id")
    by_dealer: dict[int, list[SavedSearchMatch]] = defaultdict(list)
    for match in pending[:5000]:
        by_dealer[match.search.dealer_id].append(match)
    site = settings.GAVEL_SITE_URL.rstrip("/")
    sent = 0
    for matches in by_dealer.values():
        dealer = matches[0].search.dealer
        with in_language_of(dealer):
            lines = [f"- {m.search.name}: {m.auction.listing.display_title} ({m.get_stage_display().lower()}) "
                     f"{site}{reverse('auctions:detail', args=[m.auction_id])}" for m in matches]
            subject = ngettext("Your saved searches: %(count)d new", "Your saved searches: %(count)d new",
                               len(matches)) % {"count": len(matches)}
        try:
            send_mail(subject, "\n".join(lines), None, [dealer.email])
        except Exception:  # the next run sends it: nothing is marked
            logger.exception("saved searches: digest for dealer %s failed", dealer.pk)
            continue
        SavedSearchMatch.objects.filter(pk__in=[m.pk for m in matches]).update(digested_at=db_now())
        sent += 1
    return sent
