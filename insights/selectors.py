"""The wiring between Gavel's records and the pure methods: each selector reads the events in a fixed number of
queries (whatever the number of dealers, sales, reports or comparables), turns them into the methods' inputs and
calls the method. No method rule lives here — only which record gives which input (docs/methods.md, "For
developers").

Sources plug in: the dealer record's per-sale events come from `DEALER_SALE_SOURCES`, the inspector record's
per-report events from `INSPECTOR_REPORT_SOURCES`. Each source is one function taking the ids it is asked about
and answering, in one query, `{id: {input field: value}}`; the fields are merged into the input dataclass (a
source may override a field the sale row gave, e.g. why a sale was cancelled). The no-chip rules' adjustment
requests and collection checks are sources; the collection deadline (stored on the sale when the payment lands) and
the collection check's time are read with the sale row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, overload

from django.conf import settings
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from auctions.models import Auction
from insights.guidance import CarSpec, ClosedSale, Guidance, GuidanceRules, price_guidance
from insights.market import AuctionResult, MarketData, MarketRules, market_aggregate
from insights.numbers import month_index, name_key
from insights.records import (
    AdjustmentEvent,
    AdjustmentOutcome,
    CancelReason,
    DealerRecord,
    DealerRecordRules,
    DisputeEvent,
    DisputeOutcome,
    InspectorRecord,
    InspectorRecordRules,
    ReportEvents,
    SaleEvents,
    UpheldDispute,
    dealer_record,
    inspector_record,
)
from inspections.models import InspectionReport
from marketplace.models import Listing
from payments.models import AdjustmentRequest, CollectionCheck, Dispute, Sale

# The ids a source is asked about: a list, or a subquery of them (`values_list("id", flat=True)`); both go into
# `…__in=`.
Ids = Iterable[int]
Source = Callable[[Ids], Mapping[int, Mapping[str, Any]]]

# The published parameters (docs/methods.md): the methods' defaults.
DEALER_RULES = DealerRecordRules()
INSPECTOR_RULES = InspectorRecordRules()
GUIDANCE_RULES = GuidanceRules()


@overload
def _local(moment: datetime) -> datetime: ...
@overload
def _local(moment: None) -> None: ...
@overload
def _local(moment: datetime | None) -> datetime | None: ...
def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else timezone.localtime(moment)


def _in_zone(zone: tzinfo) -> Callable[[datetime | None], datetime | None]:
    """_local for many values: the current time zone looked up once (a context-local lookup per value cost more
    than the rest of turning a dealer's year of sales into events)."""
    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(zone)
    return local


def _month_start(index: int) -> datetime:
    """The first moment of a calendar month (a month index) in the marketplace's time zone."""
    year, month0 = divmod(index, 12)
    return timezone.make_aware(datetime(year, month0 + 1, 1))


# ---------------------------------------------------------------------------------------------------------------
# The dealer record


_DISPUTE_OUTCOMES = {
    Dispute.Outcome.REFUND: DisputeOutcome.UPHELD,
    Dispute.Outcome.PARTIAL: DisputeOutcome.UPHELD,
    Dispute.Outcome.REJECT: DisputeOutcome.REJECTED,
}


def _dispute_event(dispute: Mapping[str, Any]) -> DisputeEvent:
    outcome = _DISPUTE_OUTCOMES.get(dispute["outcome"], DisputeOutcome.OPEN)
    if dispute["status"] != Dispute.Status.RESOLVED:
        outcome = DisputeOutcome.OPEN
    return DisputeEvent(opened_at=_local(dispute["created_at"]), outcome=outcome,
                        resolved_at=_local(dispute["resolved_at"]) if outcome != DisputeOutcome.OPEN else None)


def sale_disputes_source(sale_ids: Ids) -> dict[int, dict[str, Any]]:
    """`payments.Dispute`: every dispute the dealer opened on the sale (refund or partial = upheld)."""
    found: dict[int, list[DisputeEvent]] = defaultdict(list)
    rows = (Dispute.objects.filter(sale_id__in=sale_ids).order_by("created_at", "id")
            .values("sale_id", "status", "outcome", "created_at", "resolved_at"))
    for row in rows:
        found[row["sale_id"]].append(_dispute_event(row))
    return {sale_id: {"disputes": tuple(events)} for sale_id, events in found.items()}


_ADJUSTMENT_OUTCOMES: dict[str, AdjustmentOutcome] = {
    AdjustmentRequest.Status.ACCEPTED: AdjustmentOutcome.ACCEPTED,
    # Not answered by the deadline: the computed adjustment applied, as if the seller had accepted it.
    AdjustmentRequest.Status.LAPSED: AdjustmentOutcome.ACCEPTED,
    AdjustmentRequest.Status.REFUSED: AdjustmentOutcome.REFUSED,
}


def sale_adjustments_source(sale_ids: Ids) -> dict[int, dict[str, Any]]:
    """`payments.AdjustmentRequest` (the no-chip rules): the price adjustment the dealer requested from their
    collection check (accepted or lapsed = accepted); a refused one cancelled the sale: the seller walked away."""
    rows = (AdjustmentRequest.objects.filter(sale_id__in=sale_ids).order_by("created_at", "id")
            .values("sale_id", "status", "created_at", "decided_at"))
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        outcome = _ADJUSTMENT_OUTCOMES.get(row["status"], AdjustmentOutcome.PENDING)
        decided = outcome != AdjustmentOutcome.PENDING
        assert not decided or row["decided_at"] is not None  # set with every decision (payments adjustments)
        fields = found.setdefault(row["sale_id"], {"adjustments": ()})
        fields["adjustments"] += (AdjustmentEvent(requested_at=_local(row["created_at"]), outcome=outcome,
                                                  decided_at=_local(row["decided_at"]) if decided else None),)
        if outcome == AdjustmentOutcome.REFUSED:
            fields["cancel_reason"] = CancelReason.ADJUSTMENT_REFUSED
    return found


DEALER_SALE_SOURCES: tuple[Source, ...] = (sale_disputes_source, sale_adjustments_source)


def _cancel_reason(row: Mapping[str, Any]) -> CancelReason | None:
    if row["status"] != Sale.Status.CANCELLED:
        return None
    if row["paid_at"] is not None:
        # Cancelled after payment: only by the collection check (the car was not the one described) or by the
        # seller refusing an adjustment (sale_adjustments_source says so) — never the dealer's failure to pay.
        return CancelReason.CAR_NOT_AS_DESCRIBED
    # Staff cancel an unpaid sale only once it is overdue: not paid by its deadline. A seller may cancel earlier
    # when the buyer was suspended — not a payment failure of the dealer's.
    return CancelReason.UNPAID if row["overdue_at"] is not None else CancelReason.OTHER


def _window_floor(as_of: datetime, rules: DealerRecordRules) -> datetime:
    # A superset of the window (whole months plus one): the method itself decides what counts.
    return _month_start(month_index(as_of.date()) - rules.window_months - 1)


def dealer_sales_query(*, dealer_ids: list[int], as_of: datetime, rules: DealerRecordRules = DEALER_RULES):
    """The dealers' won sales in the record's window, one row each with the hammer (the auction's close) and the
    time of the dealer's collection check (the collection happened at the earlier of it and the handover)."""
    return (Sale.objects.filter(buyer_id__in=dealer_ids, created_at__gte=_window_floor(as_of, rules),
                                created_at__lte=as_of)
            .order_by("created_at", "id")
            .values("id", "buyer_id", "status", "created_at", "second_chance_of_id", "payment_deadline", "paid_at",
                    "overdue_at", "cancelled_at", "collection_deadline", "handed_over_at",
                    closed_at=F("auction__closed_at"), checked_at=F("collection_check__recorded_at")))


def dealer_sale_ids(*, dealer_ids: list[int], as_of: datetime, rules: DealerRecordRules = DEALER_RULES) -> Ids:
    """The ids of the same sales, as a subquery for the sources."""
    return (Sale.objects.filter(buyer_id__in=dealer_ids, created_at__gte=_window_floor(as_of, rules),
                                created_at__lte=as_of).values_list("id", flat=True))


def _collected_at(row: Mapping[str, Any]) -> datetime | None:
    """When the dealer collected the car: at their collection check on the phone (which starts the handover, even
    when the check leads to an adjustment the seller takes days to answer), else at the handover both confirmed."""
    times = [moment for moment in (row["checked_at"], row["handed_over_at"]) if moment is not None]
    return min(times) if times else None


def dealer_sale_events(*, dealer_ids: Iterable[int], as_of: datetime, rules: DealerRecordRules = DEALER_RULES,
                       sources: tuple[Source, ...] | None = None) -> dict[int, list[SaleEvents]]:
    """Each dealer's won sales in the record's window with their events: one query, plus one per source."""
    dealer_ids = sorted(set(dealer_ids))
    rows = list(dealer_sales_query(dealer_ids=dealer_ids, as_of=as_of, rules=rules))
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    # The sources are asked about the same sales as a subquery: a dealer's year can hold hundreds of sales, and
    # hundreds of ids as parameters cost more to build and send than the events they find.
    ids = dealer_sale_ids(dealer_ids=dealer_ids, as_of=as_of, rules=rules)
    for source in (DEALER_SALE_SOURCES if sources is None else sources):
        if not rows:
            break
        for sale_id, fields in source(ids).items():
            extra[sale_id].update(fields)
    found: dict[int, list[SaleEvents]] = {dealer_id: [] for dealer_id in dealer_ids}
    zone = timezone.get_current_timezone()
    local = _in_zone(zone)
    for row in rows:
        hammer = row["created_at"] if row["second_chance_of_id"] or row["closed_at"] is None else row["closed_at"]
        reason = _cancel_reason(row)
        sale_fields: dict[str, Any] = {
            "paid_at": local(row["paid_at"]), "collection_deadline": local(row["collection_deadline"]),
            "collected_at": local(_collected_at(row)),
            "cancelled_at": local(row["cancelled_at"]) if reason else None, "cancel_reason": reason,
            **extra.get(row["id"], {})}  # a source may say more (why a sale was cancelled)
        found[row["buyer_id"]].append(SaleEvents(
            sale_ref=f"S-{row['id']}", hammer_at=hammer.astimezone(zone),
            payment_deadline=row["payment_deadline"].astimezone(zone),
            **sale_fields))
    return found


def dealer_records(*, dealer_ids: Iterable[int], as_of: datetime | None = None,
                   rules: DealerRecordRules = DEALER_RULES) -> dict[int, DealerRecord]:
    """The dealer record of each dealer, as of now (or `as_of`): a constant number of queries for any number."""
    as_of = _local(as_of or timezone.now())
    events = dealer_sale_events(dealer_ids=dealer_ids, as_of=as_of, rules=rules)
    return {dealer_id: dealer_record(sales, as_of=as_of, rules=rules) for dealer_id, sales in events.items()}


def dealer_record_get(*, dealer_id: int, as_of: datetime | None = None,
                      rules: DealerRecordRules = DEALER_RULES) -> DealerRecord:
    return dealer_records(dealer_ids=[dealer_id], as_of=as_of, rules=rules)[dealer_id]


# ---------------------------------------------------------------------------------------------------------------
# The inspector record


def report_upheld_disputes_source(inspection_ids: Ids) -> dict[int, dict[str, Any]]:
    """Disputes upheld on lines of the report, unless staff found that the seller misrepresented the car."""
    found: dict[int, list[UpheldDispute]] = defaultdict(list)
    rows = (Dispute.objects.filter(sale__report__inspection_id__in=inspection_ids,
                                   status=Dispute.Status.RESOLVED,
                                   outcome__in=[Dispute.Outcome.REFUND, Dispute.Outcome.PARTIAL])
            .exclude(item_keys=[]).exclude(cause=Dispute.Cause.SELLER_MISREPRESENTED)
            .order_by("resolved_at", "id")
            .values("id", "item_keys", "resolved_at", inspection_id=F("sale__report__inspection_id")))
    for row in rows:
        assert row["resolved_at"] is not None  # set with the resolved status (payments.services.disputes)
        found[row["inspection_id"]].append(UpheldDispute(
            dispute_ref=f"D-{row['id']}", item_key=", ".join(str(key) for key in row["item_keys"]),
            upheld_at=_local(row["resolved_at"])))
    return {inspection_id: {"upheld_disputes": tuple(d)} for inspection_id, d in found.items()}


def report_checked_source(inspection_ids: Ids) -> dict[int, dict[str, Any]]:
    """A report is tested once its car was handed over to a buyer and the dispute window closed."""
    window = timedelta(days=settings.GAVEL_DISPUTE_WINDOW_DAYS)
    rows = (Sale.objects.filter(report__inspection_id__in=inspection_ids, handed_over_at__isnull=False)
            .order_by("handed_over_at", "id")
            .values("handed_over_at", inspection_id=F("report__inspection_id")))
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        assert row["handed_over_at"] is not None  # the filter excludes sales not handed over
        found.setdefault(row["inspection_id"], {"checked_at": _local(row["handed_over_at"] + window)})
    return found


def report_flags_confirmed_source(inspection_ids: Ids) -> dict[int, dict[str, Any]]:
    """Odometer and VIN flags confirmed at a collection check (payments.CollectionCheck, the no-chip rules) of a car
    sold on a report that raised them: an odometer flag (the inspector's reading is not the seller's figure) when
    the buying dealer's reading is within the published margin of the inspector's; a VIN flag (the VIN on the car
    is not the listing's) when the dealer found the same. Both as payments.nochip's checks decided them; the first
    check that confirms a flag dates it."""
    rows = (CollectionCheck.objects.filter(sale__report__inspection_id__in=inspection_ids)
            .filter(Q(sale__report__flag_odometer=True) | Q(sale__report__flag_vin_mismatch=True))
            .order_by("recorded_at", "id")
            .values("recorded_at", inspection_id=F("sale__report__inspection_id"),
                    odometer_flagged=F("sale__report__flag_odometer"), vin_flagged=F("sale__report__flag_vin_mismatch"),
                    odometer_beyond_margin=F("computation__odometer__beyond_margin"),
                    vin_matches=F("computation__vin__matches")))
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in rows:
        at = _local(row["recorded_at"])
        if row["odometer_flagged"] and row["odometer_beyond_margin"] is False:
            found[row["inspection_id"]].setdefault("odometer_confirmed_at", at)
        if row["vin_flagged"] and row["vin_matches"] is False:
            found[row["inspection_id"]].setdefault("vin_confirmed_at", at)
    return {inspection_id: fields for inspection_id, fields in found.items() if fields}


INSPECTOR_REPORT_SOURCES: tuple[Source, ...] = (report_upheld_disputes_source, report_checked_source,
                                                report_flags_confirmed_source)


def inspector_report_events(*, inspector_ids: Iterable[int], as_of: datetime,
                            sources: tuple[Source, ...] | None = None) -> dict[int, list[ReportEvents]]:
    """Each inspector's published reports (one per inspection: corrections are revisions of the same report),
    with the flags of the current revision: one query, plus one per source."""
    inspector_ids = sorted(set(inspector_ids))
    rows = (InspectionReport.objects.filter(inspection__inspector_id__in=inspector_ids, published_at__lte=as_of)
            .order_by("inspection_id", "revision")
            .values("inspection_id", "published_at", "is_current", "flag_odometer", "flag_vin_mismatch",
                    inspector_id=F("inspection__inspector_id")))
    first: dict[int, Mapping[str, Any]] = {}
    current: dict[int, Mapping[str, Any]] = {}
    for row in rows:
        first.setdefault(row["inspection_id"], row)
        if row["is_current"]:
            current[row["inspection_id"]] = row
    extra: dict[int, dict[str, Any]] = defaultdict(dict)
    ids = sorted(first)
    for source in (INSPECTOR_REPORT_SOURCES if sources is None else sources):
        if not ids:
            break
        for inspection_id, fields in source(ids).items():
            extra[inspection_id].update(fields)
    found: dict[int, list[ReportEvents]] = {inspector_id: [] for inspector_id in inspector_ids}
    for inspection_id, report in first.items():
        flags = current.get(inspection_id, report)
        fields = extra.get(inspection_id, {})
        # A flag confirmed at the collection of a car sold on an earlier revision counts only while the current
        # revision still raises it (a correction that withdrew the flag withdrew the claim).
        for flag, confirmed in (("flag_odometer", "odometer_confirmed_at"), ("flag_vin_mismatch", "vin_confirmed_at")):
            if not flags[flag]:
                fields.pop(confirmed, None)
        found[report["inspector_id"]].append(ReportEvents(
            report_ref=f"R-{inspection_id}", published_at=_local(report["published_at"]),
            odometer_flagged=flags["flag_odometer"], vin_flagged=flags["flag_vin_mismatch"], **fields))
    return found


def inspector_records(*, inspector_ids: Iterable[int], as_of: datetime | None = None,
                      rules: InspectorRecordRules = INSPECTOR_RULES) -> dict[int, InspectorRecord]:
    as_of = _local(as_of or timezone.now())
    events = inspector_report_events(inspector_ids=inspector_ids, as_of=as_of)
    return {inspector_id: inspector_record(reports, as_of=as_of, rules=rules)
            for inspector_id, reports in events.items()}


# ---------------------------------------------------------------------------------------------------------------
# Price guidance


def car_spec_for_listing(listing: Listing, *, grade: str | None = None) -> CarSpec:
    return CarSpec(make=listing.make, model=listing.model, year=listing.first_registration_year,
                   mileage_km=listing.mileage_km, fuel=listing.fuel, transmission=listing.transmission, grade=grade)


def _sold(queryset):
    return queryset.filter(status=Auction.Status.CLOSED, outcome=Auction.Outcome.SOLD,
                           hammer_price_minor__isnull=False, closed_at__isnull=False)


def _closed_sales(rows: Iterable[Mapping[str, Any]]) -> list[ClosedSale]:
    sales = []
    zone = timezone.get_current_timezone()
    for row in rows:
        car = CarSpec(make=row["make"], model=row["model"], year=row["year"], mileage_km=row["mileage_km"],
                      fuel=row["fuel"], transmission=row["transmission"], grade=row["grade"] or None)
        sales.append(ClosedSale(car=car, hammer_minor=row["hammer_price_minor"],
                                closed_month=row["closed_at"].astimezone(zone).date(), ref=f"A-{row['id']}"))
    return sales


_SALE_FIELDS = dict(make=F("listing__make"), model=F("listing__model"), year=F("listing__first_registration_year"),
                    mileage_km=F("listing__mileage_km"), fuel=F("listing__fuel"),
                    transmission=F("listing__transmission"), grade=F("report__grade"))


def _near(car: CarSpec, rules: GuidanceRules) -> Q:
    """What even the widest widening step could use for this car: its make and model, registered within the widest
    year band, and (when its mileage is known) within the widest mileage distance. The method chooses among these
    exactly as among every sale of the model (every step's match implies this one), so the database, by the index on
    make, model and year, returns a few hundred rows where a popular model has thousands."""
    year_band = max(step.year_band for step in rules.steps)
    near = Q(listing__make_key=name_key(car.make), listing__model_key=name_key(car.model),
             listing__first_registration_year__gte=car.year - year_band,
             listing__first_registration_year__lte=car.year + year_band)
    if car.mileage_km is not None:
        km = max(step.max_km_difference for step in rules.steps)
        near &= Q(listing__mileage_km__gte=car.mileage_km - km, listing__mileage_km__lte=car.mileage_km + km)
    return near


def _comparables_query(pairs: Iterable[tuple[str, str]], *, as_of: date, rules: GuidanceRules,
                       near: Iterable[CarSpec] = ()):
    """Sold auctions closed in the lookback months of each (make, model) of `pairs`, and of the cars `near` (only
    those the method could choose for them)."""
    last = month_index(as_of)
    matches = Q()
    for make, model in pairs:
        # The listing's stored name keys (marketplace.Listing.make_key/model_key, indexed): the method's own match.
        matches |= Q(listing__make_key=name_key(make), listing__model_key=name_key(model))
    for car in near:
        matches |= _near(car, rules)
    return (_sold(Auction.objects)
            .filter(matches, closed_at__gte=_month_start(last - rules.lookback_months + 1),
                    closed_at__lt=_month_start(last + 1))
            .order_by("id").values("id", "hammer_price_minor", "closed_at", **_SALE_FIELDS))


def comparable_sales(*, make: str, model: str, as_of: date, rules: GuidanceRules = GUIDANCE_RULES
                     ) -> list[ClosedSale]:
    """Sold auctions of this make and model closed in the lookback months up to `as_of`'s month: one query."""
    return _closed_sales(_comparables_query([(make, model)], as_of=as_of, rules=rules))


def guidance_for_car(car: CarSpec, *, as_of: date | None = None,
                     rules: GuidanceRules = GUIDANCE_RULES) -> Guidance:
    as_of = as_of or timezone.localdate()
    return price_guidance(car, _closed_sales(_comparables_query((), near=[car], as_of=as_of, rules=rules)),
                          as_of=as_of, rules=rules)


def _guidable(listing: Listing) -> bool:
    return bool(name_key(listing.make) and name_key(listing.model) and listing.first_registration_year)


def guidance_for_listings(listings: Iterable[Listing], *, as_of: date | None = None,
                          rules: GuidanceRules = GUIDANCE_RULES) -> dict[int, Guidance]:
    """The guide of each listing (with its grade once a report is published), for any number of listings in two
    queries: the current grades, and the comparables near every car asked about. Listings without make, model or
    year get none."""
    as_of = as_of or timezone.localdate()
    listings = [listing for listing in listings if _guidable(listing)]
    if not listings:
        return {}
    grades = dict(InspectionReport.objects.filter(listing_id__in=[x.pk for x in listings], is_current=True)
                  .values_list("listing_id", "grade"))
    cars = {listing.pk: car_spec_for_listing(listing, grade=grades.get(listing.pk)) for listing in listings}
    by_model: dict[tuple[str, str], list[ClosedSale]] = defaultdict(list)
    for sale in _closed_sales(_comparables_query((), near=cars.values(), as_of=as_of, rules=rules)):
        by_model[(name_key(sale.car.make), name_key(sale.car.model))].append(sale)
    # A model's rows are those near any of its cars asked about: the method keeps, for each, only the ones it may use.
    return {pk: price_guidance(car, by_model[(name_key(car.make), name_key(car.model))], as_of=as_of, rules=rules)
            for pk, car in cars.items()}


def guidance_for_listing(listing: Listing, *, as_of: date | None = None,
                         rules: GuidanceRules = GUIDANCE_RULES) -> Guidance | None:
    """The listing's guide; None while make, model or year are missing."""
    return guidance_for_listings([listing], as_of=as_of, rules=rules).get(listing.pk)


def sale_history(*, until: date | None = None) -> list[ClosedSale]:
    """Every sold auction (up to `until`'s month), for the backtest: one query."""
    queryset = _sold(Auction.objects)
    if until is not None:
        queryset = queryset.filter(closed_at__lt=_month_start(month_index(until) + 1))
    return _closed_sales(queryset.order_by("id").values("id", "hammer_price_minor", "closed_at", **_SALE_FIELDS))


# ---------------------------------------------------------------------------------------------------------------
# Open market data


def market_rules() -> MarketRules:
    return MarketRules(k=settings.GAVEL_MARKET_K)


def market_results() -> list[AuctionResult]:
    """Every decided auction (sold, unsold, no bids) with the seller's payout time: one query."""
    paid_out = (Sale.objects.filter(auction_id=OuterRef("pk"), paid_out_at__isnull=False)
                .order_by("paid_out_at").values("paid_out_at")[:1])
    rows = (Auction.objects.filter(status=Auction.Status.CLOSED, closed_at__isnull=False)
            .filter(Q(outcome=Auction.Outcome.SOLD, hammer_price_minor__isnull=False)
                    | Q(outcome__in=[Auction.Outcome.UNSOLD, Auction.Outcome.NO_BIDS]))
            .order_by("id")
            .values("outcome", "hammer_price_minor", "closed_at", make=F("listing__make"), model=F("listing__model"),
                    year=F("listing__first_registration_year"), mileage_km=F("listing__mileage_km"),
                    paid_out_at=Subquery(paid_out)))
    results = []
    for row in rows:
        sold = row["outcome"] == Auction.Outcome.SOLD
        assert row["closed_at"] is not None  # the filter excludes auctions without closed_at
        results.append(AuctionResult(
            make=row["make"], model=row["model"], year=row["year"], mileage_km=row["mileage_km"], sold=sold,
            hammer_minor=row["hammer_price_minor"] if sold else None, closed_at=row["closed_at"],
            paid_out_at=row["paid_out_at"] if sold else None))
    return results


def market_data() -> MarketData:
    return market_aggregate(market_results(), currency=settings.GAVEL_CURRENCY, rules=market_rules())
