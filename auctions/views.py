"""Dealer dashboard and auction pages under /auctions/. Thin: selectors in, services out, redirects back."""


import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.capabilities import BID, member_can, member_ensure
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.organisations import dealer_acting_for
from auctions import bid_policy, selectors, services
from auctions.api import record_download
from auctions.forms import AuctionFilterForm, BidForm, CounterOfferForm
from auctions.models import Auction, SavedSearch, bidder_label
from auctions.rules import rules_in_plain_words
from auctions.templatetags.auctions import all_in
from core.exceptions import ApplicationError, PermissionRefused, Throttled, ValidationFailed
from core.money import Money
from core.templatetags.money import money_whole
from insights.selectors import dealer_record_get
from inspections.selectors import report_can_view, report_current_for_listing, report_view
from payments import services as payment_services
from payments.selectors import all_in_price_in_force, sale_list_visible_to


# What a leading bid leads to, said at the moment the dealer bids.
def bid_next_steps() -> str:
    return _("If you are still highest when the auction ends and the reserve is met, the car is yours: you get the "
             "invoice at once and pay the all-in price within %(days)d business days. If the reserve is not met, the "
             "seller has %(hours)d hours to accept your bid. We tell you either way.") % {
        "days": settings.GAVEL_PAYMENT_DEADLINE_BUSINESS_DAYS, "hours": settings.GAVEL_SELLER_DECISION_HOURS}


TABS = [("all", gettext_lazy("Live & upcoming")), ("watchlist", gettext_lazy("Watchlist")),
        ("my_bids", gettext_lazy("My bids")), ("won", gettext_lazy("Won"))]
PAGE_SIZE = 12


class AuctionDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "auctions/dashboard.html"
    request: AuthenticatedHttpRequest

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.role != User.Role.DEALER and not user.is_staff_member:
            raise PermissionDenied(_("The auction dashboard is for dealers."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab") or "all"
        if tab not in dict(TABS):
            tab = "all"
        form = AuctionFilterForm(self.request.GET or None)
        filters = form.filters() if form.is_bound and form.is_valid() else {}
        qs = selectors.auction_list_filtered(user=self.request.user, filters={**filters, "tab": tab})
        # Django's Paginator needs only len() and slices of IdsFirst; the stubs' protocol also asks for __iter__.
        page: Page[Auction] = Paginator(
            selectors.IdsFirst(qs), PAGE_SIZE).get_page(self.request.GET.get("page"))  # type: ignore[arg-type]
        auctions = list(page.object_list)
        if self.request.user.role == User.Role.DEALER:
            selectors.dealer_view_prepare(auctions, dealer=self.request.user)
        query = self.request.GET.copy()
        query.pop("page", None)
        tab_query = query.copy()
        tab_query.pop("tab", None)
        context.update(form=form, page=page, auctions=auctions, tab=tab, tabs=TABS, query=query.urlencode(),
                       tab_query=tab_query.urlencode(), server_time=timezone.now(),
                       soft_close_seconds=settings.GAVEL_SOFT_CLOSE_SECONDS,
                       makes=selectors.auction_makes(), save_email_choices=SavedSearch.Email.choices,
                       dealer_record=(dealer_record_get(dealer_id=self.request.user.pk)
                                      if self.request.user.role == User.Role.DEALER else None))
        return context


class AuctionRulesView(TemplateView):
    """The auction rules, the shill rules and the verifiable record, public."""

    template_name = "auctions/rules.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rules": rules_in_plain_words()}


class AuctionMixin(LoginRequiredMixin):
    auction: Auction

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        qs = selectors.auction_list_visible_to(user=request.user).prefetch_related("listing__photos")
        auction = qs.filter(pk=kwargs["auction_id"]).first()
        if auction is None:
            raise Http404(_("No such auction."))
        self.auction = auction
        return super().dispatch(request, *args, **kwargs)


def auction_page_context(request, auction: Auction) -> dict:
    """What the auction page shows `request.user` (the page itself, and the bid form's answers that render it).
    A member of a dealer organisation sees it as the organisation: its bids are theirs."""
    user = dealer_acting_for(request.user)
    is_dealer = user.role == User.Role.DEALER and not user.is_staff_member
    if is_dealer:
        selectors.dealer_view_prepare([auction], dealer=user)
    labels = selectors.auction_labels(auction=auction)
    # The whole history, not the last few: a dealer judges the bidding by all of it.
    bids = list(selectors.auction_bids_visible(auction=auction).select_related("dealer__dealer_profile"))
    for bid in bids:
        bid.label = bidder_label(labels.get(bid.dealer_id)) or _("Dealer")
        bid.is_mine = bid.dealer_id == user.pk
    photos = list(auction.listing.photos.all())
    cover = next((p for p in photos if p.is_cover), photos[0] if photos else None)
    can_bid_profile = getattr(user, "dealer_profile", None) if is_dealer else None
    report = report_current_for_listing(listing_id=auction.listing_id)
    summary = report_view(report=report) if report and report_can_view(user=user, listing=auction.listing) else None
    minimum_next = selectors.auction_minimum_next_bid(auction)
    is_seller = auction.listing.seller_id == user.pk
    counter = selectors.auction_counter_offer(auction=auction)
    if counter is not None and not (is_seller or user.is_staff_member or counter.dealer_id == user.pk):
        counter = None  # a counter-offer is between the seller and the top bidder
    sale = (sale_list_visible_to(user=user).filter(auction=auction).order_by("-created_at", "-id").first()
            if auction.outcome == Auction.Outcome.SOLD else None)
    return dict(
        auction=auction, listing=auction.listing, photos=photos, cover=cover, bids=bids,
        is_dealer=is_dealer, is_seller=is_seller, is_staff=user.is_staff_member, counter=counter,
        counter_hours=settings.GAVEL_COUNTER_OFFER_HOURS,
        bidder_maxima=(selectors.auction_bidder_maxima(auction=auction)
                       if (is_seller or user.is_staff_member) and auction.status == Auction.Status.CLOSED else []),
        show_identities=selectors.auction_identities_visible(auction) and not is_dealer,
        minimum_next=minimum_next, all_in_next=all_in_price_in_force(Money.of(minimum_next)),
        rules=rules_in_plain_words(), sale=sale, report_summary=summary,
        end_time_zone=timezone.get_current_timezone_name(),
        can_bid=bool(can_bid_profile and can_bid_profile.can_bid and member_can(request.user, BID)),
        dealer_profile=can_bid_profile,
        server_time=timezone.now(), soft_close_seconds=settings.GAVEL_SOFT_CLOSE_SECONDS,
        leader_label=bidder_label(labels.get(auction.leader_id) if auction.leader_id is not None else None),
        report=report,
        top_bidder_can_buy=(auction.outcome != Auction.Outcome.AWAITING_SELLER
                            or selectors.auction_top_bidder_can_buy(auction=auction)),
        repricings=selectors.auction_repricings(auction=auction),
        dealer_record=_buyer_record(auction, user),
        dealer_record_title=(_("Record of the top bidder") if auction.outcome == Auction.Outcome.AWAITING_SELLER
                             else _("Record of the buying dealer")),
        **_record_context(request, auction, is_dealer=is_dealer),
    )


def _record_context(request, auction: Auction, *, is_dealer: bool) -> dict:
    """The verifiable record: the close entry's server time, this request's receipts (once), the download links."""
    user = request.user
    receipts = request.session.pop(f"bid_receipts:{auction.pk}", None)
    close_entry = selectors.auction_close_entry(auction_id=auction.pk) if auction.status == "closed" else None
    bidder = is_dealer and bool(getattr(auction, "my_label", None))
    closed_at = close_entry["at"] if close_entry else None
    return dict(
        close_entry=close_entry,
        close_time_text=closed_at and f"{closed_at:%H:%M:%S}.{closed_at.microsecond // 10_000:02d}",
        new_receipts=receipts and json.dumps(receipts, indent=2, ensure_ascii=False),
        receipts_available=bidder and auction.log_seq > 0,
        record_available=close_entry is not None and (auction.listing.seller_id == user.pk or bidder),
    )


def _buyer_record(auction: Auction, user) -> object | None:
    """The record of the dealer the car went (or may go) to, for its seller and staff: on the result, and before
    the seller accepts a top bid below the reserve."""
    if auction.listing.seller_id != user.pk and not user.is_staff_member:
        return None
    if auction.outcome == Auction.Outcome.SOLD and auction.winner_id:
        return dealer_record_get(dealer_id=auction.winner_id)
    if auction.outcome == Auction.Outcome.AWAITING_SELLER and auction.leader_id:
        return dealer_record_get(dealer_id=auction.leader_id)
    return None


class AuctionDetailView(AuctionMixin, TemplateView):
    template_name = "auctions/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(auction_page_context(self.request, self.auction))
        return context


class AuctionBidView(AuctionMixin, View):
    """Both bid-box forms: "Bid €X now" posts `amount_minor`; "Set a maximum" posts `max_amount`. The bid goes
    through the same policy as the API's (auctions.bid_policy): one rate limit per dealer for both."""

    def post(self, request, auction_id):
        form = BidForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
            return redirect("auctions:detail", auction_id=auction_id)
        try:
            member_ensure(request.user, BID)
            result = bid_policy.bid_submit(auction_id=self.auction.pk, dealer=dealer_acting_for(request.user),
                                           placed_by=request.user, **form.amounts())
        except Throttled as exc:
            # The page again, with the reason and the bid box, so the dealer can bid once the wait is over.
            messages.error(request, exc.message)
            response = render(request, "auctions/detail.html", auction_page_context(request, self.auction),
                              status=429)
            response["Retry-After"] = str(exc.retry_after_seconds)
            return response
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if result.receipts:
                # Shown once on the page the redirect lands on (auction_page_context): the signed receipt.
                request.session[f"bid_receipts:{auction_id}"] = result.receipts
            # The bid confirmation names the all-in price (the amount + the buyer fee on it) of what was bid.
            amounts = form.amounts()
            bid_minor = amounts.get("max_amount_minor", amounts.get("amount_minor"))
            shown = {"amount": money_whole(bid_minor), "all_in": all_in(bid_minor)}
            all_in_text = " " + (_("Your maximum %(amount)s: %(all_in)s.") if "max_amount_minor" in amounts
                                 else _("You bid %(amount)s: %(all_in)s.")) % shown
            if "max_amount_minor" in amounts and result.leading:
                messages.success(request, _("Your maximum is set. You are the highest bidder.") + all_in_text + " "
                                 + bid_next_steps())
            elif result.leading:
                messages.success(request, _("Your bid is in. You are the highest bidder.") + all_in_text + " "
                                 + bid_next_steps())
            else:
                messages.warning(request, _("Your bid is in, but another dealer's maximum is higher: you are outbid.")
                                 + all_in_text + " "
                                 + _("We tell you when that happens again; bid again or set a maximum."))
        return redirect("auctions:detail", auction_id=auction_id)


class AuctionRecordView(LoginRequiredMixin, View):
    """The auction's verifiable record, for its seller and its bidders after the close."""

    def get(self, request, auction_id):
        try:
            body = services.auction_record_export(auction_id=auction_id, user=request.user)
        except (services.AuctionNotFound, services.RecordNotLogged) as exc:
            raise Http404(exc.message) from None
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("auctions:detail", auction_id=auction_id)
        return record_download(body, auction_id=auction_id)


class AuctionReceiptsView(AuctionMixin, View):
    """The dealer's own signed bid receipts on this auction, as one receipts file for gavel-verify."""

    def get(self, request, auction_id):
        response = JsonResponse(services.auction_receipts_for(auction_id=self.auction.pk,
                                                              dealer=dealer_acting_for(request.user)),
                                safe=False)
        response["Content-Disposition"] = f'attachment; filename="gavel-receipts-{auction_id}.json"'
        return response


class AuctionWatchView(AuctionMixin, View):
    def post(self, request, auction_id):
        try:
            if request.POST.get("watch") == "0":
                services.watch_remove(auction=self.auction, dealer=request.user)
            else:
                services.watch_add(auction=self.auction, dealer=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        target = request.POST.get("next", "")
        # Only back into the auction pages: never an open redirect.
        if target.startswith("/auctions/") and "//" not in target:
            return redirect(target)
        return redirect("auctions:detail", auction_id=auction_id)


class AuctionDecisionView(AuctionMixin, View):
    def post(self, request, auction_id):
        try:
            payment_services.auction_decision_settle(auction_id=self.auction.pk, seller=request.user,
                                                     accept=request.POST.get("accept") == "1")
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thank you: your decision is recorded."))
        return redirect("auctions:detail", auction_id=auction_id)


class AuctionCounterOfferView(AuctionMixin, View):
    """The seller names a price above a top bid below the reserve; the top bidder answers it."""

    def post(self, request, auction_id):
        form = CounterOfferForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
            return redirect("auctions:detail", auction_id=auction_id)
        try:
            counter = services.counter_offer_make(auction_id=self.auction.pk, seller=request.user,
                                                  amount_minor=form.amount_minor())
        except ValidationFailed as exc:
            messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms) or exc.message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            until = date_format(timezone.localtime(counter.expires_at), "j M Y, H:i")
            messages.success(request, _("Your counter-offer is sent. The top bidder has until %(until)s to accept it.")
                             % {"until": until})
        return redirect("auctions:detail", auction_id=auction_id)


class AuctionCounterAnswerView(AuctionMixin, View):
    def post(self, request, auction_id):
        accept = request.POST.get("accept") == "1"
        try:
            member_ensure(request.user, BID)  # taking the seller's counter-offer buys the car
            payment_services.counter_offer_answer_and_settle(auction_id=self.auction.pk,
                                                             dealer=dealer_acting_for(request.user), accept=accept)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The car is yours at the seller's price: your invoice is on the sale page.")
                             if accept else _("You declined the seller's counter-offer."))
        return redirect("auctions:detail", auction_id=auction_id)


class SavedSearchesView(LoginRequiredMixin, TemplateView):
    """A dealer's saved searches; POST saves the dashboard's current filter (the same form) with its alerts."""

    template_name = "auctions/saved_searches.html"
    request: AuthenticatedHttpRequest

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.role != User.Role.DEALER:
            raise PermissionDenied(_("Saved searches are for dealers."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "searches": selectors.saved_search_list(dealer=self.request.user),
                "email_choices": SavedSearch.Email.choices}

    def post(self, request):
        form = AuctionFilterForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("The filter could not be saved: ") + "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()))
            return redirect("auctions:saved_searches")
        criteria = {key: value for key, value in form.filters().items() if key != "sort"}
        try:
            services.saved_search_create(
                dealer=request.user, name=request.POST.get("name", ""), criteria=criteria,
                alert_in_app=request.POST.get("alert_in_app") == "1",
                alert_email=request.POST.get("alert_email") or SavedSearch.Email.OFF,
                alert_webhook=request.POST.get("alert_webhook") == "1")
        except ApplicationError as exc:
            messages.error(request, exc.message + "".join(
                f" {' '.join(errors)}" for errors in exc.fields.values()))
            return redirect("auctions:saved_searches")
        messages.success(request, _("Search saved. You will be told of new auctions that match it."))
        return redirect("auctions:saved_searches")


class SavedSearchDeleteView(LoginRequiredMixin, View):
    def post(self, request, search_id):
        try:
            services.saved_search_delete(dealer=request.user, search_id=search_id)
        except services.SavedSearchNotFound:
            raise Http404() from None
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from None
        messages.success(request, _("Saved search removed."))
        return redirect("auctions:saved_searches")
