"""Settlement pages under /sales/. Thin: forms in, services called, redirects out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin

from accounts.capabilities import BID, MANAGE, PAY, REFUSALS, member_can, member_ensure
from accounts.http import AuthenticatedHttpRequest
from accounts.organisations import dealer_acting_for
from core.exceptions import ApplicationError, ValidationFailed
from core.i18n import moment_text
from core.money import Money
from core.throttling import upload_throttle_message, upload_throttle_wait
from insights.platform_figures import SMALL_NUMBER, platform_figures
from insights.selectors import dealer_record_get
from payments import selectors, services
from payments.forms import CollectionForm, DepositAmountForm, DisputeForm
from payments.models import AdjustmentRequest, BuyNowOffer, Payment, Sale, SecondChanceOffer
from payments.providers import payment_provider_names
from payments.providers.bank import BankTransferProvider
from payments.providers.card import simulated_card_event
from payments.references import bank_reference
from payments.services import adjustments, deposits, documents
from payments.services.disputes import dispute_window_ends

TIMELINE = [
    (Sale.Status.AWAITING_PAYMENT, gettext_lazy("Invoice issued")),
    (Sale.Status.PAID, gettext_lazy("Paid into escrow")),
    (Sale.Status.HANDED_OVER, gettext_lazy("Handed over")),
    (Sale.Status.PAID_OUT, gettext_lazy("Seller paid out")),
    (Sale.Status.COMPLETED, gettext_lazy("Completed")),
]
_ORDER: dict[str, int] = {Sale.Status.AWAITING_PAYMENT: 0, Sale.Status.OVERDUE: 0, Sale.Status.PAID: 1,
          Sale.Status.HANDED_OVER: 2, Sale.Status.PAID_OUT: 3, Sale.Status.DISPUTED: 3, Sale.Status.REFUNDED: 3,
          Sale.Status.COMPLETED: 4, Sale.Status.CANCELLED: 0}


def timeline(sale: Sale) -> list[dict]:
    reached = _ORDER[sale.status]
    if sale.status == Sale.Status.DISPUTED and sale.payout_status != Sale.PayoutStatus.SENT:
        reached = 2
    return [{"label": label, "done": index <= reached, "current": index == reached}
            for index, (_key, label) in enumerate(TIMELINE)]


class SaleMixin(LoginRequiredMixin, ContextMixin):
    """Loads the sale from the URL: the buyer's, the seller's, or any for staff; anyone else gets 404."""

    sale: Sale
    party: str

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        sale = selectors.sale_get_visible_to(user=dealer_acting_for(request.user), sale_id=kwargs["sale_id"])
        if sale is None:
            raise Http404(_("No such sale."))
        self.sale = sale
        self.party = selectors.sale_party(sale=self.sale, user=dealer_acting_for(request.user))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(sale=self.sale, party=self.party)
        return context


class SaleListView(LoginRequiredMixin, TemplateView):
    template_name = "payments/sale_list.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = dealer_acting_for(self.request.user)
        context["sales"] = selectors.sale_list_visible_to(user=user)[:200]
        context["offers"] = selectors.second_chance_offers_for(dealer=user).filter(
            status=SecondChanceOffer.Status.PENDING) if user.role == "dealer" else []
        context["owed"] = list(selectors.seller_open_receivables(seller=user).select_related("sale__listing")) \
            if user.role == "seller" else []
        context["seller_decisions"] = selectors.seller_decisions_pending(user=user) if user.role == "seller" else []
        context["buy_now"] = list(selectors.buy_now_offers_open()) if user.role == "dealer" else []
        return context


class SaleDetailView(SaleMixin, TemplateView):
    template_name = "payments/sale_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        sale = self.sale
        unpaid = sale.status in Sale.UNPAID_STATUSES
        window_ends = dispute_window_ends(sale)
        context.update(
            timeline=timeline(sale),
            sale_documents=documents.documents_visible_to(sale=sale, party=self.party)
            if self.party != "buyer" or member_can(self.request.user, PAY) else [],
            history=selectors.sale_status_history(sale=sale),
            payments=selectors.sale_payments(sale=sale) if self.party != "seller" else [],
            bank=(BankTransferProvider().initiate(sale=sale, amount_minor=sale.amount_due_minor,
                                                  reference=bank_reference(sale.pk)).instructions
                  if unpaid and self.party in ("buyer", "staff") else None),
            card_enabled="card" in payment_provider_names(),
            can_pay=unpaid and self.party == "buyer",
            can_arrange=sale.status in (Sale.Status.AWAITING_PAYMENT, Sale.Status.OVERDUE, Sale.Status.PAID),
            # The handover waits for the seller's answer to a price adjustment.
            can_confirm=sale.status == Sale.Status.PAID and not AdjustmentRequest.objects.filter(
                sale=sale, status=AdjustmentRequest.Status.PENDING).exists(),
            i_confirmed=(self.party == "buyer" and sale.buyer_confirmed_at)
            or (self.party == "seller" and sale.seller_confirmed_at),
            collection_form=kwargs.get("collection_form") or CollectionForm(initial={
                "proposed_at": timezone.localtime(sale.collection_proposed_at) if sale.collection_proposed_at
                else None,
                "place": sale.collection_place, "doc_registration": sale.doc_registration,
                "doc_keys": sale.doc_keys, "doc_service_book": sale.doc_service_book}),
            can_dispute=(self.party == "buyer" and sale.status in (Sale.Status.HANDED_OVER, Sale.Status.PAID_OUT)
                         and window_ends is not None and timezone.now() <= window_ends),
            dispute_window_ends=window_ends,
            dispute_form=kwargs.get("dispute_form") or DisputeForm(),
            dispute_rows=kwargs.get("dispute_rows") or [{"index": i, "key": "", "severity": "", "errors": []}
                                                        for i in range(FINDING_ROWS)],
            finding_choices=selectors.collection_finding_choices(),
            disputes=[(dispute, selectors.dispute_items(dispute=dispute), selectors.dispute_view(dispute=dispute))
                      for dispute in sale.disputes.order_by("created_at")],
            disclosed=selectors.sale_disclosed_lines(sale=sale),
            receivables=[(receivable, selectors.receivable_how_to_settle(receivable))
                         for receivable in selectors.sale_receivables(sale=sale)]
            if self.party in ("seller", "staff") else [],
            set_offs=selectors.sale_set_offs(sale=sale) if self.party in ("seller", "staff") else [],
            paid_to_bank=selectors.sale_paid_to_bank_minor(sale=sale) if self.party in ("seller", "staff") else 0,
            seller_status=selectors.seller_car_status(listing=sale.listing) if self.party == "seller" else None,
            live_refresh=self.request.headers.get("X-Live-Refresh") == "1",
            buyer_suspended_unpaid=unpaid and not selectors.sale_buyer_can_buy(sale=sale),
            can_cancel=self.party == "seller" and selectors.sale_seller_may_cancel(sale=sale),
            collection=selectors.sale_collection(sale=sale),
        )
        offer = selectors.sale_pending_consent(sale=sale) if self.party in ("seller", "staff") else None
        if offer is not None:
            context.update(consent_offer=offer, consent=offer.consent,
                           consent_receives_minor=services.sale_terms(
                               hammer_price_minor=offer.amount_minor)["seller_receives_minor"],
                           consent_dealer_record=dealer_record_get(dealer_id=offer.dealer_id))
        elif self.party in ("seller", "staff"):
            context.update(buyer_record=dealer_record_get(dealer_id=sale.buyer_id))
        return context


class SaleInvoiceView(SaleMixin, TemplateView):
    """The dealer's invoice (staff may look); it carries the buyer's fee, which is not the seller's business."""

    template_name = "payments/invoice.html"

    def get(self, request, *args, **kwargs):
        if self.party == "seller":
            raise Http404(_("No invoice for the seller."))
        if not member_can(request.user, PAY):
            raise PermissionDenied(REFUSALS[PAY])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(bank={"account_name": settings.GAVEL_BANK_ACCOUNT_NAME, "iban": settings.GAVEL_BANK_IBAN,
                             "bic": settings.GAVEL_BANK_BIC},
                       reference=bank_reference(self.sale.pk),
                       issued=timezone.localtime(self.sale.created_at))
        return context


class SaleDocumentView(SaleMixin, View):
    """An issued document's PDF, to the party it is for (the buyer's invoice and credit notes, the seller's
    statement) and to staff; rendered and stored on first need if the worker has not done it yet."""

    def get(self, request, sale_id, document_id):
        if self.party == "buyer" and not member_can(request.user, PAY):
            raise PermissionDenied(REFUSALS[PAY])  # a buyer of a dealer organisation bids; its accounts pay
        document = documents.documents_visible_to(sale=self.sale, party=self.party).filter(pk=document_id).first()
        if document is None:
            raise Http404(_("No such document."))
        document = documents.document_pdf_ensure(document_id=document.pk)
        return FileResponse(document.pdf.open("rb"), content_type="application/pdf", as_attachment=True,
                            filename=f"{document.number}.pdf")


class _SaleCommandView(SaleMixin, View):
    def run(self, request: HttpRequest) -> HttpResponseBase | None:
        raise NotImplementedError

    def post(self, request, sale_id):
        try:
            response = self.run(request)
        except ApplicationError as exc:
            details = [message for messages_ in exc.fields.values() for message in messages_]
            messages.error(request, " ".join([exc.message, *details]) if details else exc.message)
            return redirect("payments:detail", sale_id=sale_id)
        return response or redirect("payments:detail", sale_id=sale_id)


class SalePayView(_SaleCommandView):
    def run(self, request):
        member_ensure(request.user, PAY)
        provider = request.POST.get("provider", "")
        started = services.sale_pay_initiate(sale=self.sale, dealer=dealer_acting_for(request.user), provider=provider)
        if started.provider_payment.redirect_url:
            return redirect(started.provider_payment.redirect_url)
        messages.success(request, _("Transfer the amount with the reference %(reference)s. We confirm as soon as it "
                                    "reaches our account.") % {"reference": started.payment.reference})
        return None


class SaleCollectionView(_SaleCommandView):
    def run(self, request):
        form = CollectionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return None
        data = form.cleaned_data
        services.sale_collection_arrange(
            sale=self.sale, actor=dealer_acting_for(request.user), proposed_at=data["proposed_at"], place=data["place"],
            doc_registration=data["doc_registration"], doc_keys=data["doc_keys"],
            doc_service_book=data["doc_service_book"])
        messages.success(request, _("Collection details saved. The other side has been told."))
        return None


class SaleHandoverView(_SaleCommandView):
    def run(self, request):
        result = services.handover_confirm(sale=self.sale, actor=dealer_acting_for(request.user))
        messages.success(request, _("Handover confirmed. The seller's payout is on its way.") if result.changed
                         else _("Your confirmation is recorded. We wait for the other side."))
        return None


class SaleCancelView(_SaleCommandView):
    """The seller cancels an unpaid sale whose buyer was suspended."""

    def run(self, request):
        offer = services.sale_seller_cancel(sale=self.sale, seller=dealer_acting_for(request.user),
                                            reason=request.POST.get("reason", "")[:1000])
        if offer is not None and offer.status == SecondChanceOffer.Status.AWAITING_SELLER:
            messages.success(request, _("The sale is cancelled, at no cost to you. The next bidder's price is below "
                                      "your reserve: decide below whether they may buy your car."))
        elif offer is not None:
            messages.success(request, _("The sale is cancelled, at no cost to you. We offered your car to the next "
                                      "bidder at their last bid."))
        else:
            messages.success(request, _("The sale is cancelled, at no cost to you. Your car can be offered again."))
        return None


class SaleConsentView(_SaleCommandView):
    """The seller answers whether the next bidder may buy below the reserve."""

    def run(self, request):
        offer = selectors.sale_pending_consent(sale=self.sale)
        if offer is None or self.party != "seller":
            messages.error(request, _("There is no decision waiting for you on this sale."))
            return None
        accept = request.POST.get("accept") == "1"
        acting = dealer_acting_for(request.user)
        decided = services.seller_consent_decide(consent_id=offer.consent_id, seller=acting, accept=accept)
        if decided.offer is not None and decided.offer.status == SecondChanceOffer.Status.WITHDRAWN:
            messages.warning(request, _("That dealer may no longer buy on Gavel, so there was nothing to accept."))
        elif accept:
            messages.success(request, _("Thank you: we offered your car to the next bidder for %(amount)s.") % {
                "amount": Money(offer.amount_minor, self.sale.currency).format()})
        else:
            messages.success(request, _("Thank you: your car is not sold at that price and can be offered again."))
        return None


class SaleDisputeView(SaleDetailView):
    """The dealer opens a dispute: a reason and findings (item, severity, photos), as at the collection check; the
    rules compute the refund. A refusal about what they entered shows the page again with the form as they filled
    it and each error on its row; anything else (not theirs, not disputable now) goes back to the sale page with a
    message, like the other commands."""

    http_method_names = ["post"]

    def post(self, request, sale_id):
        wait = upload_throttle_wait(request)
        if wait is not None:
            messages.error(request, upload_throttle_message(wait))
            return redirect("payments:detail", sale_id=sale_id)
        form = DisputeForm(request.POST)
        rows, findings = [], []
        for index in range(FINDING_ROWS):
            key = request.POST.get(f"findings-{index}-key", "").strip()
            severity = request.POST.get(f"findings-{index}-severity", "").strip()
            rows.append({"index": index, "key": key, "severity": severity, "errors": []})
            if key:
                findings.append(adjustments.FindingInput(key=key, severity=severity, photos=tuple(
                    request.FILES.getlist(f"findings-{index}-photos"))))
        if form.is_valid():
            try:
                services.dispute_open(sale=self.sale, dealer=dealer_acting_for(request.user),
                                      reason=form.cleaned_data["reason"], findings=findings)
            except ValidationFailed as exc:
                # Findings are numbered among the filled rows; the page numbers all rows.
                filled = [row for row in rows if row["key"]]
                for field, errors in exc.fields.items():
                    if field.startswith("findings-"):
                        number = int(field.split("-", 2)[1])
                        if number < len(filled):
                            filled[number]["errors"].extend(errors)
                            continue
                        field = "findings"
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
                if not exc.fields:
                    form.add_error(None, exc.message)
            except ApplicationError as exc:
                details = [message for messages_ in exc.fields.values() for message in messages_]
                messages.error(request, " ".join([exc.message, *details]) if details else exc.message)
                return redirect("payments:detail", sale_id=sale_id)
            else:
                messages.success(request,
                                 _("Your dispute is open. Our team reviews it and contacts you and the seller."))
                return redirect("payments:detail", sale_id=sale_id)
        return self.render_to_response(self.get_context_data(dispute_form=form, dispute_rows=rows), status=400)


class CardPageView(LoginRequiredMixin, TemplateView):
    """The simulated card provider's checkout page (development and tests only)."""

    template_name = "payments/card_page.html"
    payment: Payment

    def dispatch(self, request, *args, **kwargs):
        if not settings.GAVEL_SIMULATED_CARD_ENABLED:
            raise Http404()
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        acting = dealer_acting_for(request.user)
        payment = Payment.objects.select_related("sale", "sale__listing").filter(
            reference=kwargs["reference"], provider=Payment.Provider.CARD, sale__buyer=acting).first()
        if payment is None:
            raise Http404()
        if not member_can(request.user, PAY):
            raise PermissionDenied(REFUSALS[PAY])
        self.payment = payment
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(payment=self.payment, sale=self.payment.sale,
                       amount=Money(self.payment.amount_minor, self.payment.currency))
        return context

    def post(self, request, reference):
        # The simulated provider "charges the card" and delivers its signed webhook event; delivery runs
        # in-process through the same verification as the public webhook endpoint.
        body, headers = simulated_card_event(payment_reference=self.payment.reference,
                                             amount_minor=self.payment.amount_minor, currency=self.payment.currency)
        try:
            services.card_webhook_receive(headers=headers, body=body)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Payment received. The money is held in escrow until the handover."))
        return redirect("payments:detail", sale_id=self.payment.sale_id)


class OfferDecisionView(LoginRequiredMixin, View):
    def post(self, request, offer_id):
        offer = selectors.second_chance_offers_for(dealer=dealer_acting_for(request.user)).filter(pk=offer_id).first()
        if offer is None:
            raise Http404()
        try:
            member_ensure(request.user, BID)  # a second chance buys the car (or turns it down) for the organisation
            if request.POST.get("decision") == "accept":
                sale = services.second_chance_accept(offer=offer, dealer=dealer_acting_for(request.user))
                messages.success(request, _("The car is yours at your last bid. Here is your invoice."))
                return redirect("payments:detail", sale_id=sale.pk)
            services.second_chance_decline(offer=offer, dealer=dealer_acting_for(request.user))
            messages.success(request, _("Offer declined."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("payments:list")


class DealerOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if dealer_acting_for(request.user).role != "dealer":
            raise Http404(_("Only dealers hold a deposit."))
        return super().dispatch(request, *args, **kwargs)


class DepositView(DealerOnlyMixin, TemplateView):
    """The dealer's deposit: balance, the buying limit it gives, pending top-ups, history; top up or withdraw."""

    template_name = "payments/deposit.html"
    request: AuthenticatedHttpRequest

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dealer = dealer_acting_for(self.request.user)
        context.update(selectors.deposit_summary(dealer=dealer))
        context.setdefault("topup_form", DepositAmountForm(prefix="topup"))
        context.setdefault("withdraw_form", DepositAmountForm(prefix="withdraw"))
        return context


class _DepositFormView(DealerOnlyMixin, View):
    """A deposit form's post: the service's answer as a message, or the deposit page again with the form's errors."""

    prefix = ""

    def act(self, *, dealer, amount_minor: int) -> str:
        raise NotImplementedError

    def post(self, request):
        if not member_can(request.user, MANAGE):
            raise PermissionDenied(REFUSALS[MANAGE])
        form = DepositAmountForm(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                acting = dealer_acting_for(request.user)
                message = self.act(dealer=acting, amount_minor=form.cleaned_data["amount_minor"])
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("payments:deposit")
        view = DepositView(request=request, kwargs={})
        return view.render_to_response(view.get_context_data(**{f"{self.prefix}_form": form}), status=400)


class DepositTopUpView(_DepositFormView):
    prefix = "topup"

    def act(self, *, dealer, amount_minor: int) -> str:
        topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=amount_minor)
        return _("Transfer %(amount)s with the reference %(reference)s; we add it when it arrives.") % {
            "amount": Money(topup.amount_minor, topup.currency).format(), "reference": topup.reference}


class DepositWithdrawView(_DepositFormView):
    prefix = "withdraw"

    def act(self, *, dealer, amount_minor: int) -> str:
        withdrawal = deposits.deposit_withdraw(dealer=dealer, amount_minor=amount_minor)
        return _("%(amount)s is on its way to your bank (reference %(reference)s).") % {
            "amount": Money(withdrawal.amount_minor, withdrawal.currency).format(),
            "reference": withdrawal.payout_reference}


def _form_errors(form, exc: ApplicationError) -> None:
    placed = False
    for field, errors in exc.fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
            placed = True
    if not placed or exc.message and not exc.fields:
        form.add_error(None, exc.message)


class FeeRulesView(TemplateView):
    """The published fee schedule and the rules after the hammer, for everybody (no login)."""

    template_name = "payments/fee_rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.fee_rules())
        return context


FINDING_ROWS = 5


class SaleCollectionCheckView(SaleMixin, TemplateView):
    """The buying dealer's collection check, phone first: the VIN plate and odometer (photo and reading), then a
    finding per area that is not as the report has it (item, severity, photos). Every other area is recorded as
    reported. The rules decide each finding; the dealer types no amount."""

    template_name = "payments/collection_check.html"

    def get(self, request, *args, **kwargs):
        if self.party not in ("buyer", "staff"):
            raise Http404(_("Only the buying dealer records the collection check."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            collection=selectors.sale_collection(sale=self.sale), choices=selectors.collection_finding_choices(),
            rows=kwargs.get("rows") or [{"index": i, "key": "", "severity": ""} for i in range(FINDING_ROWS)],
            values=kwargs.get("values", {}), errors=kwargs.get("errors", {}),
            can_record=self.party == "buyer" and self.sale.status == Sale.Status.PAID
            and not hasattr(self.sale, "collection_check"),
            reported_odometer_km=(self.sale.report.content.get("facts", {}).get("odometer_km")
                                  if self.sale.report is not None else None))
        return context

    def post(self, request, sale_id):
        if self.party != "buyer":
            raise Http404(_("Only the buying dealer records the collection check."))
        wait = upload_throttle_wait(request)
        if wait is not None:
            messages.error(request, upload_throttle_message(wait))
            return redirect("payments:check", sale_id=sale_id)
        rows, findings = [], []
        errors: dict[str, list[str]] = {}
        for index in range(FINDING_ROWS):
            key = request.POST.get(f"findings-{index}-key", "").strip()
            severity = request.POST.get(f"findings-{index}-severity", "").strip()
            rows.append({"index": index, "key": key, "severity": severity})
            if key:
                findings.append(adjustments.FindingInput(key=key, severity=severity, photos=tuple(
                    request.FILES.getlist(f"findings-{index}-photos"))))
        odometer_text = request.POST.get("odometer_km", "").strip().replace(",", "").replace(".", "")
        odometer = int(odometer_text) if odometer_text.isdigit() and len(odometer_text) <= 9 else -1
        values = {"vin_on_car": request.POST.get("vin_on_car", ""), "odometer_km": request.POST.get("odometer_km", "")}
        acting = dealer_acting_for(request.user)
        try:
            adjustments.collection_check_record(
                sale=self.sale, dealer=acting, vin_on_car=values["vin_on_car"], odometer_km=odometer,
                vin_photos=request.FILES.getlist("vin_photo"), odometer_photos=request.FILES.getlist("odometer_photo"),
                findings=findings)
        except ValidationFailed as exc:
            # Findings are numbered among the filled rows; the page numbers all rows.
            filled = [row["index"] for row in rows if row["key"]]
            for field, messages_ in exc.fields.items():
                if field.startswith("findings-"):
                    _prefix, number, rest = field.split("-", 2)
                    field = f"findings-{filled[int(number)]}-{rest}" if int(number) < len(filled) else "findings"
                errors.setdefault(field, []).extend(messages_)
            if not exc.fields:
                errors["general"] = [exc.message]
            if "photo" in errors:  # a photo that is no image, too large …
                errors.setdefault("general", []).extend(errors.pop("photo"))
            for row in rows:
                row["errors"] = [e for part in ("key", "severity", "photos")
                                 for e in errors.get(f"findings-{row['index']}-{part}", [])]
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("payments:detail", sale_id=sale_id)
        else:
            self.sale.refresh_from_db()
            if self.sale.status == Sale.Status.CANCELLED:
                messages.warning(request, self.sale.cancel_reason)
            else:
                messages.success(request, _("Your collection check is recorded."))
            return redirect("payments:check", sale_id=sale_id)
        return self.render_to_response(self.get_context_data(rows=rows, values=values, errors=errors), status=400)


class SaleAdjustmentRequestView(_SaleCommandView):
    def run(self, request):
        request_ = adjustments.adjustment_request_open(sale=self.sale, dealer=dealer_acting_for(request.user))
        messages.success(request, _("Adjustment of %(amount)s requested: the seller answers by %(deadline)s.") % {
            "amount": Money(request_.amount_minor, request_.currency).format(),
            "deadline": moment_text(request_.deadline, adjustments.ADJUSTMENT_DEADLINE_FORMAT)})


class SaleAdjustmentDecideView(_SaleCommandView):
    def run(self, request):
        decision = request.POST.get("decision")
        if decision not in ("accept", "refuse"):
            raise ValidationFailed(fields={"decision": [_("Accept or refuse.")]})
        adjustment = AdjustmentRequest.objects.filter(sale=self.sale).first()
        if adjustment is None:
            raise ValidationFailed(_("No adjustment was requested for this sale."))
        acting = dealer_acting_for(request.user)
        done = adjustments.adjustment_decide(request=adjustment, seller=acting, accept=decision == "accept")
        if done.status == AdjustmentRequest.Status.ACCEPTED:
            messages.success(request, _("You accepted the adjustment; the handover can go ahead."))
        else:
            messages.success(request, _("You refused the adjustment: the sale is cancelled at no cost to you. The car "
                                      "is yours again; relist it when you choose."))


class TransparencyView(TemplateView):
    """Public figures on price adjustments, disputes and payouts, computed from the records."""

    template_name = "payments/transparency.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(figures=platform_figures(), small_number=SMALL_NUMBER)
        return context


class BuyNowAnswerView(LoginRequiredMixin, View):
    """The seller agrees to the buy-now price (the offer opens to dealers) or declines it."""

    def post(self, request, offer_id):
        agree = request.POST.get("agree") == "1"
        try:
            services.buy_now_seller_answer(offer_id=offer_id, seller=dealer_acting_for(request.user), agree=agree)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:dashboard")
        offer = BuyNowOffer.objects.get(pk=offer_id)
        messages.success(request, _("Agreed: verified dealers can buy your car at that price now; the first to "
                                    "confirm buys it.") if agree else _("You declined the buy-now offer."))
        return redirect("marketplace:detail", listing_id=offer.listing_id)


class BuyNowBuyView(LoginRequiredMixin, View):
    """A verified dealer confirms: the first one buys the car."""

    def post(self, request, offer_id):
        try:
            member_ensure(request.user, BID)
            sale = services.buy_now_buy(offer_id=offer_id, dealer=dealer_acting_for(request.user),
                                         actor=request.user)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("payments:list")
        messages.success(request, _("The car is yours. Here is your invoice; pay it by the deadline."))
        return redirect("payments:detail", sale_id=sale.pk)
