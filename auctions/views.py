"""Dealer dashboard and auction pages under /auctions/. Thin: selectors in, services out, redirects back."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.models import User
from auctions import bid_policy, selectors, services
from auctions.forms import AuctionFilterForm, BidForm
from auctions.models import Auction, bidder_label
from auctions.rules import rules_in_plain_words
from auctions.templatetags.auctions import all_in
from core.exceptions import ApplicationError, Throttled
from core.templatetags.money import money_whole
from inspections.selectors import report_current_for_listing
from payments import services as payment_services

TABS = [("all", "Live & upcoming"), ("watchlist", "Watchlist"), ("my_bids", "My bids"), ("won", "Won")]
PAGE_SIZE = 12


class AuctionDashboardView(LoginRequiredMixin, TemplateView):
    template_name = "auctions/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.role != User.Role.DEALER and not user.is_staff_member:
            raise PermissionDenied("The auction dashboard is for dealers.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab") or "all"
        if tab not in dict(TABS):
            tab = "all"
        form = AuctionFilterForm(self.request.GET or None)
        filters = form.filters() if form.is_bound and form.is_valid() else {}
        qs = selectors.auction_list_filtered(user=self.request.user, filters={**filters, "tab": tab})
        page = Paginator(selectors.IdsFirst(qs), PAGE_SIZE).get_page(self.request.GET.get("page"))
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
                       makes=selectors.auction_makes())
        return context


class AuctionMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        qs = selectors.auction_list_visible_to(user=request.user).prefetch_related("listing__photos")
        self.auction = qs.filter(pk=kwargs["auction_id"]).first()
        if self.auction is None:
            raise Http404("No such auction.")
        return super().dispatch(request, *args, **kwargs)


def auction_page_context(request, auction: Auction) -> dict:
    """What the auction page shows `request.user` (the page itself, and the bid form's answers that render it)."""
    user = request.user
    is_dealer = user.role == User.Role.DEALER and not user.is_staff_member
    if is_dealer:
        selectors.dealer_view_prepare([auction], dealer=user)
    labels = selectors.auction_labels(auction=auction)
    bids = list(selectors.auction_bids_visible(auction=auction).select_related("dealer__dealer_profile")[:50])
    for bid in bids:
        bid.label = bidder_label(labels.get(bid.dealer_id)) or "Dealer"
        bid.is_mine = bid.dealer_id == user.pk
    photos = list(auction.listing.photos.all())
    cover = next((p for p in photos if p.is_cover), photos[0] if photos else None)
    can_bid_profile = getattr(user, "dealer_profile", None) if is_dealer else None
    return dict(
        auction=auction, listing=auction.listing, photos=photos, cover=cover, bids=bids,
        is_dealer=is_dealer, is_seller=auction.listing.seller_id == user.pk, is_staff=user.is_staff_member,
        show_identities=auction.outcome == Auction.Outcome.SOLD and not is_dealer,
        minimum_next=selectors.auction_minimum_next_bid(auction), rules=rules_in_plain_words(),
        can_bid=bool(can_bid_profile and can_bid_profile.can_bid), dealer_profile=can_bid_profile,
        server_time=timezone.now(), soft_close_seconds=settings.GAVEL_SOFT_CLOSE_SECONDS,
        leader_label=bidder_label(labels.get(auction.leader_id)),
        report=report_current_for_listing(listing_id=auction.listing_id),
        top_bidder_can_buy=(auction.outcome != Auction.Outcome.AWAITING_SELLER
                            or selectors.auction_top_bidder_can_buy(auction=auction)),
        repricings=selectors.auction_repricings(auction=auction),
    )


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
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return redirect("auctions:detail", auction_id=auction_id)
        try:
            result = bid_policy.bid_submit(auction_id=self.auction.pk, dealer=request.user, **form.amounts())
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
            # The bid confirmation names the all-in price (the amount + the buyer fee on it) of what was bid.
            amounts = form.amounts()
            bid_minor = amounts.get("max_amount_minor", amounts.get("amount_minor"))
            all_in_text = f" {'Your maximum' if 'max_amount_minor' in amounts else 'You bid'} " \
                          f"{money_whole(bid_minor)}: {all_in(bid_minor)}."
            if "max_amount_minor" in amounts and result.leading:
                messages.success(request, "Your maximum is set. You are the highest bidder." + all_in_text)
            elif result.leading:
                messages.success(request, "Your bid is in. You are the highest bidder." + all_in_text)
            else:
                messages.warning(request, "Your bid is in, but another dealer's maximum is higher: you are outbid."
                                 + all_in_text)
        return redirect("auctions:detail", auction_id=auction_id)


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
            messages.success(request, "Thank you: your decision is recorded.")
        return redirect("auctions:detail", auction_id=auction_id)
