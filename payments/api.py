"""Settlement API under /api/v1/: each party sees only their own sales (404 otherwise), staff see all."""

import json

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.capabilities import BID, MANAGE, PAY
from accounts.http import AuthenticatedRequest
from accounts.organisations import dealer_acting_for
from auctions.models import SellerConsent
from core.parsers import FormParser, JSONParser, MultiPartParser
from core.throttling import UploadRateThrottle
from payments import selectors, services
from payments.models import Payment, Sale
from payments.providers import payment_provider_names
from payments.services import adjustments, deposits
from payments.services.disputes import dispute_window_ends


class SalePaymentOutputSerializer(serializers.Serializer):
    provider = serializers.CharField()
    reference = serializers.CharField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReportRefOutputSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    fingerprint = serializers.CharField()


class ReportLineOutputSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("What a dispute's item_keys name."))
    category = serializers.CharField()
    # DRF's serializer metaclass takes declared fields off the class, so Field.label is untouched at run time.
    label = serializers.CharField()  # type: ignore[assignment]
    severity = serializers.CharField(help_text=_("ok, minor, major, na, or empty when not recorded."))
    note = serializers.CharField()
    summary = serializers.CharField(help_text=_('The line within its category: "Front discs — minor: worn".'))
    text = serializers.CharField(help_text=_('How the line reads: "Brakes · Front discs — minor: worn".'))
    disclosed = serializers.BooleanField(help_text=_("The report disclosed a defect here: it cannot ground a dispute."))


class DisclosedItemOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    category = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, as above
    severity = serializers.CharField()
    note = serializers.CharField()
    text = serializers.CharField()


class DisputeItemOutputSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()


class ComputationField(serializers.DictField):
    """A recorded computation (payments.nochip), each finding's reason in words in the request's language."""

    def to_representation(self, value):
        return super().to_representation(selectors.findings_in_language(value) or {})


class SaleDisputeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    item_keys = serializers.ListField(child=serializers.CharField())
    items = serializers.SerializerMethodField(help_text=_("The report lines the dispute names, as they read."))
    outcome = serializers.CharField()
    cause = serializers.CharField(help_text=_("Who paid a refund: inspection_missed (Gavel's inspection guarantee) "
                                            "or seller_misrepresented; empty without a refund."))
    refund_minor = serializers.IntegerField()
    resolution = serializers.CharField(help_text=_("Staff's written decision; when overridden, why they decided "
                                                 "differently from the computation."))
    findings = serializers.ListField(child=serializers.DictField(), help_text=_("As the dealer recorded them."))
    computation = ComputationField(help_text=_("The rules' decision on every finding and the refund."))
    computed_minor = serializers.IntegerField(help_text=_("The refund the published rules give."))
    overridden = serializers.BooleanField(help_text=_("Staff decided differently from the computation."))
    created_at = serializers.DateTimeField()

    @extend_schema_field(DisputeItemOutputSerializer(many=True))
    def get_items(self, dispute):
        return selectors.dispute_items(dispute=dispute)


class ReceivableSettlementOutputSerializer(serializers.Serializer):
    method = serializers.CharField()
    amount_minor = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class SellerReceivableOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    amount_minor = serializers.IntegerField()
    settled_minor = serializers.IntegerField()
    outstanding_minor = serializers.IntegerField()
    reason = serializers.CharField()
    bank_reference = serializers.CharField(help_text=_("The reference for a transfer settling it."))
    created_at = serializers.DateTimeField()


class SellerDecisionOutputSerializer(serializers.Serializer):
    """A question to the seller about selling below their reserve (only the seller and staff see these)."""

    id = serializers.IntegerField()
    # A declared field: DRF's serializer metaclass takes it off the class, so Field.source is untouched.
    source = serializers.ChoiceField(choices=SellerConsent.Source.choices,  # type: ignore[assignment]
                                     help_text=_("close: the top bid when the auction ended; second_chance: the next "
                                               "bidder after the buyer did not pay."))
    status = serializers.ChoiceField(choices=SellerConsent.Status.choices)
    auction_id = serializers.IntegerField()
    sale_id = serializers.SerializerMethodField(help_text=_("The cancelled sale a second-chance decision is about."))
    car = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    amount_minor = serializers.IntegerField(help_text=_("The price asked about."))
    reserve_minor = serializers.IntegerField()
    seller_receives_minor = serializers.SerializerMethodField(
        help_text=_("What the seller would receive at that price."))
    deadline = serializers.DateTimeField(help_text=_("Without an answer by then it counts as declined."))
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_sale_id(self, consent) -> int | None:
        return selectors.seller_decision_sale_id(consent)

    def get_car(self, consent) -> str:
        return str(consent.auction.listing)

    def get_currency(self, consent) -> str:
        return settings.GAVEL_CURRENCY

    def get_seller_receives_minor(self, consent) -> int:
        return services.sale_terms(hammer_price_minor=consent.amount_minor)["seller_receives_minor"]


class SellerDecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text=_("true: sell at this price; false: do not."))


class SaleCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class SaleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    auction_id = serializers.IntegerField()
    listing_id = serializers.IntegerField()
    car = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField(help_text=_("buyer, seller or staff: who is asking."))
    currency = serializers.CharField()
    hammer_price_minor = serializers.IntegerField()
    buyer_fee_minor = serializers.IntegerField()
    amount_due_minor = serializers.IntegerField()
    seller_fee_minor = serializers.IntegerField()
    seller_receives_minor = serializers.IntegerField()
    refunded_minor = serializers.IntegerField()
    guarantee_paid_minor = serializers.IntegerField(help_text=_("The part of the refunds Gavel's inspection guarantee "
                                                              "paid."))
    report = serializers.SerializerMethodField(help_text=_("The published report revision the dealer bid on."))
    disclosed_items = serializers.SerializerMethodField(
        help_text=_("What that revision disclosed: these lines cannot ground a dispute."))
    payment_deadline = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    collection_deadline = serializers.DateTimeField(
        allow_null=True,
        help_text=_("Set when the payment lands: the dealer collects by then (GAVEL_COLLECTION_DAYS)."))
    collection_proposed_at = serializers.DateTimeField(allow_null=True)
    collection_place = serializers.CharField()
    doc_registration = serializers.BooleanField()
    doc_keys = serializers.BooleanField()
    doc_service_book = serializers.BooleanField()
    seller_confirmed_at = serializers.DateTimeField(allow_null=True)
    buyer_confirmed_at = serializers.DateTimeField(allow_null=True)
    handed_over_at = serializers.DateTimeField(allow_null=True)
    dispute_window_ends = serializers.SerializerMethodField()
    payout_status = serializers.CharField()
    payout_reference = serializers.CharField()
    paid_out_at = serializers.DateTimeField(allow_null=True)
    set_off_minor = serializers.SerializerMethodField(
        help_text=_("The seller's side: the part of the payout kept to settle what they owed (0 for the dealer)."))
    payments = serializers.SerializerMethodField()
    disputes = serializers.SerializerMethodField()
    receivables = serializers.SerializerMethodField(
        help_text=_("What the seller owes Gavel for this sale (the seller and staff; empty for the dealer)."))
    buyer_can_buy = serializers.SerializerMethodField(
        help_text=_("False once the buying dealer was suspended: while unpaid, the seller may cancel at no cost."))
    can_cancel = serializers.SerializerMethodField(help_text=_("Whether the asking user may cancel this sale now."))
    seller_decision = serializers.SerializerMethodField(
        help_text=_("For the seller and staff: a second-chance price below the reserve waiting for the seller's "
                    "answer."))

    def get_car(self, sale) -> str:
        return str(sale.listing)

    def get_buyer_can_buy(self, sale) -> bool:
        return selectors.sale_buyer_can_buy(sale=sale)

    def get_can_cancel(self, sale) -> bool:
        party = selectors.sale_party(sale=sale, user=self.context["request"].user)
        return party == "seller" and selectors.sale_seller_may_cancel(sale=sale)

    @extend_schema_field(SellerDecisionOutputSerializer(allow_null=True))
    def get_seller_decision(self, sale):
        if selectors.sale_party(sale=sale, user=self.context["request"].user) not in ("seller", "staff"):
            return None
        offer = selectors.sale_pending_consent(sale=sale)
        return SellerDecisionOutputSerializer(offer.consent).data if offer is not None else None

    def get_role(self, sale) -> str:
        return selectors.sale_party(sale=sale, user=self.context["request"].user)

    def get_dispute_window_ends(self, sale) -> str | None:
        ends = dispute_window_ends(sale)
        return ends.isoformat() if ends else None

    @extend_schema_field(SalePaymentOutputSerializer(many=True))
    def get_payments(self, sale):
        # The seller sees that the dealer paid (the sale status), not the dealer's payment attempts.
        if selectors.sale_party(sale=sale, user=self.context["request"].user) == "seller":
            return []
        return SalePaymentOutputSerializer(selectors.sale_payments(sale=sale), many=True).data

    @extend_schema_field(SaleDisputeOutputSerializer(many=True))
    def get_disputes(self, sale):
        return SaleDisputeOutputSerializer(sale.disputes.order_by("created_at"), many=True).data

    @extend_schema_field(ReportRefOutputSerializer(allow_null=True))
    def get_report(self, sale):
        return ReportRefOutputSerializer(sale.report).data if sale.report_id else None

    @extend_schema_field(DisclosedItemOutputSerializer(many=True))
    def get_disclosed_items(self, sale):
        return DisclosedItemOutputSerializer(selectors.sale_disclosed_lines(sale=sale), many=True).data

    def _sellers_side(self, sale) -> bool:
        return selectors.sale_party(sale=sale, user=self.context["request"].user) in ("seller", "staff")

    def get_set_off_minor(self, sale) -> int:
        return sale.set_off_minor if self._sellers_side(sale) else 0

    @extend_schema_field(SellerReceivableOutputSerializer(many=True))
    def get_receivables(self, sale):
        if not self._sellers_side(sale):
            return []
        return SellerReceivableOutputSerializer(selectors.sale_receivables(sale=sale), many=True).data


class SalePayInputSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(choices=Payment.Provider.choices)


class SalePayOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    provider = serializers.CharField()
    status = serializers.CharField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    instructions = serializers.DictField()
    redirect_url = serializers.CharField()


class SaleHandoverInputSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(default=False, help_text=_("Confirm the car changed hands."))
    proposed_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=300)
    doc_registration = serializers.BooleanField(required=False)
    doc_keys = serializers.BooleanField(required=False)
    doc_service_book = serializers.BooleanField(required=False)


class SaleDisputeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, help_text=_("How the car differs from the report, in words."))
    findings = serializers.JSONField(
        required=False,
        help_text=_('What the report did not disclose, as JSON: [{"key": "windscreen", "severity": "minor" | "major", '
                  '"photos": ["<name of a file field of this request>", …]}]. Items as in the repair-cost table '
                  "(the collection check's). No amount: the rules compute the refund."))


class SaleReportLinesOutputSerializer(serializers.Serializer):
    report = ReportRefOutputSerializer(allow_null=True)
    lines = ReportLineOutputSerializer(many=True)


class SecondChanceOfferOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    car = serializers.SerializerMethodField()
    amount_minor = serializers.IntegerField()
    currency = serializers.SerializerMethodField()
    status = serializers.CharField()
    expires_at = serializers.DateTimeField()
    new_sale_id = serializers.IntegerField(allow_null=True)

    def get_car(self, offer) -> str:
        return str(offer.sale.listing)

    def get_currency(self, offer) -> str:
        return offer.sale.currency


class SecondChanceDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "decline"])


def _sale_payload(sale: Sale, request) -> dict:
    return SaleOutputSerializer(sale, context={"request": request}).data


class _SaleObjectApi(APIView):
    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    def get_sale(self, sale_id) -> Sale:
        sale = selectors.sale_get_visible_to(user=dealer_acting_for(self.request.user), sale_id=sale_id)
        if sale is None:
            raise NotFound()
        return sale


class SaleListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = SaleOutputSerializer

    @extend_schema(responses={200: SaleOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.sale_list_visible_to(user=dealer_acting_for(request.user)))
        return self.get_paginated_response(SaleOutputSerializer(page, many=True, context={"request": request}).data)


class SaleDetailApi(_SaleObjectApi):
    @extend_schema(responses={200: SaleOutputSerializer})
    def get(self, request, sale_id):
        return Response(_sale_payload(self.get_sale(sale_id), request))


class SalePayApi(_SaleObjectApi):
    organisation_capabilities = {"POST": PAY}
    @extend_schema(request=SalePayInputSerializer, responses={201: SalePayOutputSerializer})
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = SalePayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["provider"] not in payment_provider_names():
            raise serializers.ValidationError({"provider": [gettext("That payment method is not available.")]})
        acting = dealer_acting_for(request.user)
        started = services.sale_pay_initiate(sale=sale, dealer=acting, provider=data.validated_data["provider"])
        payment, provider_payment = started.payment, started.provider_payment
        return Response(SalePayOutputSerializer({
            "reference": payment.reference, "provider": payment.provider, "status": payment.status,
            "amount_minor": payment.amount_minor, "currency": payment.currency,
            "instructions": provider_payment.instructions, "redirect_url": provider_payment.redirect_url,
        }).data, status=status.HTTP_201_CREATED)


class SaleHandoverApi(_SaleObjectApi):
    @extend_schema(request=SaleHandoverInputSerializer, responses={200: SaleOutputSerializer})
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = SaleHandoverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        confirm = values.pop("confirm")
        if values:
            services.sale_collection_arrange(sale=sale, actor=dealer_acting_for(request.user), **values)
        if confirm:
            services.handover_confirm(sale=sale, actor=dealer_acting_for(request.user))
        if not values and not confirm:
            raise serializers.ValidationError({"confirm": [gettext("Confirm the handover or change the arrangement.")]})
        return Response(_sale_payload(self.get_sale(sale_id), request))


class SaleReportLinesApi(_SaleObjectApi):
    @extend_schema(responses={200: SaleReportLinesOutputSerializer},
                   description=_("The lines of the report revision the dealer bid on, each marked `disclosed` when "
                               "the report disclosed a defect there. A dispute names lines by their `key`."))
    def get(self, request, sale_id):
        sale = self.get_sale(sale_id)
        return Response(SaleReportLinesOutputSerializer({
            "report": sale.report if sale.report_id else None,
            "lines": selectors.sale_report_lines(sale=sale)}).data)


class SaleDisputeApi(_SaleObjectApi):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [UploadRateThrottle]  # counts only requests that carry photos

    @extend_schema(request={"multipart/form-data": SaleDisputeInputSerializer,
                            "application/json": SaleDisputeInputSerializer},
                   responses={201: SaleDisputeOutputSerializer},
                   description=_("The buying dealer opens a dispute within the window after the handover, with "
                               "findings and photos. The refund is computed by the published rules (repair-cost "
                               "table less what is left of the deductible). Refusals: field errors, nothing written "
                               "(disclosed_in_report, no photo, below the minimum, nothing to claim), "
                               "dispute_window_closed, not_disputable, dispute_open, permission_denied."))
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = SaleDisputeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        findings = _findings_input(data.validated_data.get("findings"), request.FILES)
        dispute = services.dispute_open(sale=sale, dealer=dealer_acting_for(request.user),
                                        reason=data.validated_data["reason"], findings=findings)
        return Response(SaleDisputeOutputSerializer(dispute).data, status=status.HTTP_201_CREATED)


class SaleCancelApi(_SaleObjectApi):
    parser_classes = [JSONParser, FormParser]  # no files here
    @extend_schema(request=SaleCancelInputSerializer, responses={200: SaleOutputSerializer},
                   description=_("The seller cancels an unpaid sale whose buying dealer may no longer buy (suspended), "
                               "at no cost; the car goes to the next bidder (below the reserve only with the "
                               "seller's yes) or can be offered again. Refusals: buyer_eligible, sale_paid, "
                               "permission_denied."))
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = SaleCancelInputSerializer(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        acting = dealer_acting_for(request.user)
        services.sale_seller_cancel(sale=sale, seller=acting, reason=data.validated_data.get("reason", ""))
        return Response(_sale_payload(self.get_sale(sale_id), request))


class SellerDecisionListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = SellerDecisionOutputSerializer

    @extend_schema(responses={200: SellerDecisionOutputSerializer(many=True)},
                   description=_("The seller's decisions about prices below their reserve, waiting ones first (staff: "
                               "everyone's). Nobody buys below the reserve without the seller's yes."))
    def get(self, request):
        page = self.paginate_queryset(selectors.seller_decisions_for(user=dealer_acting_for(request.user)))
        return self.get_paginated_response(SellerDecisionOutputSerializer(page, many=True).data)


class SellerDecisionApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]  # no files here

    @extend_schema(request=SellerDecisionInputSerializer, responses={200: SellerDecisionOutputSerializer},
                   description=_("The seller accepts or declines a price below their reserve, before the deadline. "
                               "Refusals: no_decision_pending, decision_expired, buyer_not_eligible."))
    def post(self, request, consent_id: int):
        consent = selectors.seller_decisions_for(user=dealer_acting_for(request.user)).filter(pk=consent_id).first()
        if consent is None:
            raise NotFound()
        if consent.auction.listing.seller_id != dealer_acting_for(request.user).pk:
            raise PermissionDenied(gettext("Only the seller of this car may decide."))  # staff see every decision
        data = SellerDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.seller_consent_decide(consent_id=consent.pk, seller=dealer_acting_for(request.user),
                                       accept=data.validated_data["accept"])
        return Response(SellerDecisionOutputSerializer(
            selectors.seller_decisions_for(user=dealer_acting_for(request.user)).get(pk=consent.pk)).data)


class SecondChanceOfferListApi(GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination
    serializer_class = SecondChanceOfferOutputSerializer

    @extend_schema(responses={200: SecondChanceOfferOutputSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.second_chance_offers_for(dealer=dealer_acting_for(request.user)))
        return self.get_paginated_response(SecondChanceOfferOutputSerializer(page, many=True).data)


class SecondChanceOfferDecisionApi(APIView):
    permission_classes = [IsAuthenticated]
    organisation_capabilities = {"POST": BID}  # a second chance buys the car for the organisation

    @extend_schema(request=SecondChanceDecisionInputSerializer, responses={200: SecondChanceOfferOutputSerializer})
    def post(self, request, offer_id):
        offer = selectors.second_chance_offers_for(dealer=dealer_acting_for(request.user)).filter(pk=offer_id).first()
        if offer is None:
            raise NotFound()
        data = SecondChanceDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["decision"] == "accept":
            services.second_chance_accept(offer=offer, dealer=dealer_acting_for(request.user))
        else:
            services.second_chance_decline(offer=offer, dealer=dealer_acting_for(request.user))
        offer.refresh_from_db()
        return Response(SecondChanceOfferOutputSerializer(offer).data)


class CardWebhookApi(APIView):
    """The (simulated) card provider's callback. Authenticated by its HMAC signature, not by a session."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={
        200: inline_serializer("CardWebhookOutput", {"received": serializers.BooleanField(),
                                                     "changed": serializers.BooleanField()}),
        400: OpenApiResponse(description=_("The signature, timestamp or event was refused (webhook_rejected).")),
        404: OpenApiResponse(description=_("The simulated card provider is switched off.")),
    })
    def post(self, request):
        if not settings.GAVEL_SIMULATED_CARD_ENABLED:
            raise NotFound()
        result = services.card_webhook_receive(headers=request.headers, body=request.body)
        return Response({"received": True, "changed": bool(result and result.changed)})



# ---------------------------------------------------------------------------------------------------------------
# The collection check and the price adjustment (payments.services.adjustments)


class CollectionCheckInputSerializer(serializers.Serializer):
    vin_on_car = serializers.CharField(max_length=20)
    odometer_km = serializers.IntegerField(min_value=0, max_value=adjustments.ODOMETER_MAX_KM)
    vin_photo = serializers.FileField()
    odometer_photo = serializers.FileField()
    findings = serializers.JSONField(
        required=False, help_text=_('What is not as reported, as JSON: [{"key": "damage.door_fl.dent", "severity": '
                                  '"minor" | "major", "photos": ["<name of a file field of this request>", …]}]. '
                                  "Every other area is recorded as reported. No amount: the rules compute it."))


class CollectionCheckOutputSerializer(serializers.Serializer):
    sale_id = serializers.IntegerField()
    outcome = serializers.CharField(help_text=_("claim, nothing_to_claim, below_minimum, cancel_vin_mismatch or "
                                              "cancel_odometer (the last two cancelled the sale without a fee)."))
    vin_on_car = serializers.CharField()
    odometer_km = serializers.IntegerField()
    computation = ComputationField(help_text=_("Every finding's decision, reason and amount; the deductible, the "
                                             "cap, the total; the table and schedule versions."))
    recorded_at = serializers.DateTimeField()


class AdjustmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_id = serializers.IntegerField()
    status = serializers.CharField(help_text=_("pending, accepted, refused (sale cancelled) or lapsed (applied at "
                                             "the deadline)."))
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    deadline = serializers.DateTimeField()
    computation = ComputationField()
    break_fee_minor = serializers.IntegerField()
    break_fee_taken_minor = serializers.IntegerField()


class AdjustmentDecisionInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text=_("true: the adjusted price; false: cancel the sale at no cost to "
                                                "the seller (the dealer pays the break fee from their deposit)."))


def _findings_input(raw, files) -> list:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise serializers.ValidationError({"findings": [gettext("JSON: a list of findings.")]})
    if not isinstance(raw, list):
        raise serializers.ValidationError({"findings": [gettext("A list of findings.")]})
    findings = []
    for index, item in enumerate(raw[:adjustments.MAX_FINDINGS + 1]):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) \
                or not isinstance(item.get("severity"), str) or not isinstance(item.get("photos", []), list):
            raise serializers.ValidationError({f"findings-{index}": [
                gettext("Each finding: key, severity and photos (names of file fields).")]})
        names = [name for name in item.get("photos", []) if isinstance(name, str)]
        missing = [name for name in names if name not in files]
        if missing:
            raise serializers.ValidationError({f"findings-{index}-photos": [
                gettext("No file field %(name)r.") % {"name": missing[0]}]})
        findings.append(adjustments.FindingInput(key=item["key"][:100], severity=item["severity"][:20],
                                                 photos=tuple(files[name] for name in names)))
    return findings


class SaleCollectionCheckApi(_SaleObjectApi):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadRateThrottle]

    @extend_schema(responses={200: CollectionCheckOutputSerializer},
                   description=_("The sale's collection check, with its computation (404 before one is recorded)."))
    def get(self, request, sale_id):
        sale = self.get_sale(sale_id)
        check = selectors.sale_collection(sale=sale)["check"]
        if check is None:
            raise NotFound(gettext("No collection check is recorded for this sale."))
        return Response(CollectionCheckOutputSerializer(check).data)

    @extend_schema(request={"multipart/form-data": CollectionCheckInputSerializer},
                   responses={201: CollectionCheckOutputSerializer},
                   description=_("The buying dealer records the car at the handover against the published report. "
                               "A VIN that is not the car's or an odometer beyond the published margin cancels the "
                               "sale without a fee for the dealer. Refusals: field errors (nothing written), "
                               "not_at_collection, check_recorded, permission_denied."))
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = CollectionCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        findings = _findings_input(data.validated_data.get("findings"), request.FILES)
        check = adjustments.collection_check_record(
            sale=sale, dealer=dealer_acting_for(request.user), vin_on_car=data.validated_data["vin_on_car"],
            odometer_km=data.validated_data["odometer_km"], vin_photos=[data.validated_data["vin_photo"]],
            odometer_photos=[data.validated_data["odometer_photo"]], findings=findings)
        return Response(CollectionCheckOutputSerializer(check).data, status=status.HTTP_201_CREATED)


class SaleAdjustmentApi(_SaleObjectApi):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(responses={200: AdjustmentOutputSerializer},
                   description=_("The sale's price adjustment request (404 when none was requested)."))
    def get(self, request, sale_id):
        adjustment = selectors.sale_collection(sale=self.get_sale(sale_id))["adjustment"]
        if adjustment is None:
            raise NotFound(gettext("No adjustment was requested for this sale."))
        return Response(AdjustmentOutputSerializer(adjustment).data)

    @extend_schema(request=None, responses={201: AdjustmentOutputSerializer},
                   description=_("The buying dealer requests the adjustment their collection check computed: the "
                               "amount is never sent, it is the computation's. Refusals: findings (nothing "
                               "claimable, below the minimum), collection_check, adjustment_requested (one per "
                               "sale), not_at_collection, permission_denied."))
    def post(self, request, sale_id):
        acting = dealer_acting_for(request.user)
        adjustment = adjustments.adjustment_request_open(sale=self.get_sale(sale_id), dealer=acting)
        return Response(AdjustmentOutputSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class SaleAdjustmentDecisionApi(_SaleObjectApi):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=AdjustmentDecisionInputSerializer, responses={200: AdjustmentOutputSerializer},
                   description=_("The seller accepts or refuses, before the deadline. Refusals: "
                               "adjustment_deadline_passed, adjustment_decided, permission_denied."))
    def post(self, request, sale_id):
        sale = self.get_sale(sale_id)
        data = AdjustmentDecisionInputSerializer(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        adjustment = selectors.sale_collection(sale=sale)["adjustment"]
        if adjustment is None:
            raise NotFound(gettext("No adjustment was requested for this sale."))
        adjustment = adjustments.adjustment_decide(request=adjustment, seller=dealer_acting_for(request.user),
                                                   accept=data.validated_data["accept"])
        return Response(AdjustmentOutputSerializer(adjustment).data)


# ---------------------------------------------------------------------------------------------------------------
# The dealer's deposit: what the deposit page shows and does, through the same selector and services.


class DepositMovementOutputSerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    kind = serializers.CharField(help_text=_("The ledger transaction's kind, e.g. deposit_topup, break_fee."))
    what = serializers.CharField()
    memo = serializers.CharField()
    reference = serializers.CharField()
    sale_id = serializers.IntegerField(allow_null=True)
    amount_minor = serializers.IntegerField(help_text=_("Into the deposit when positive, out of it when negative."))


class DepositTopUpOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text=_("pending (waiting for the transfer) or confirmed."))
    amount_minor = serializers.IntegerField()
    received_minor = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    reference = serializers.CharField(help_text=_("Write it on the transfer."))
    account_name = serializers.SerializerMethodField()
    iban = serializers.SerializerMethodField()
    bic = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_account_name(self, topup) -> str:
        return settings.GAVEL_BANK_ACCOUNT_NAME

    def get_iban(self, topup) -> str:
        return settings.GAVEL_BANK_IBAN

    def get_bic(self, topup) -> str:
        return settings.GAVEL_BANK_BIC


class DepositWithdrawalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount_minor = serializers.IntegerField()
    currency = serializers.CharField()
    payout_reference = serializers.CharField()
    created_at = serializers.DateTimeField()


class DealerReceivableOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sale_id = serializers.IntegerField()
    kind = serializers.CharField(help_text=_("break_fee or unpaid_sale_fee."))
    fee_minor = serializers.IntegerField(help_text=_("The published fee in full."))
    amount_minor = serializers.IntegerField(help_text=_("What the deposit could not cover: owed."))
    settled_minor = serializers.IntegerField()
    outstanding_minor = serializers.IntegerField()
    status = serializers.CharField(help_text=_("open (no bidding until paid) or settled."))
    created_at = serializers.DateTimeField()


class DepositPendingOutputSerializer(serializers.Serializer):
    open_sales = serializers.IntegerField()
    committed_minor = serializers.IntegerField(help_text=_("Leading bids and unpaid cars."))
    sentences = serializers.ListField(child=serializers.CharField())


class DepositOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    balance_minor = serializers.IntegerField()
    buying_limit_minor = serializers.IntegerField(help_text=_("Nothing while the dealer owes a fee."))
    deposit_limit_minor = serializers.IntegerField(help_text=_("The deposit times the published multiple."))
    individual_limit_minor = serializers.IntegerField(allow_null=True, help_text=_("Set by Gavel, when it is."))
    owed_minor = serializers.IntegerField(help_text=_("Fees the deposit could not cover, not yet paid."))
    can_withdraw = serializers.BooleanField(help_text=_("Nothing is pending."))
    pending = DepositPendingOutputSerializer()
    topups = DepositTopUpOutputSerializer(many=True, help_text=_("Announced transfers not yet received."))
    receivables = DealerReceivableOutputSerializer(many=True)
    history = DepositMovementOutputSerializer(many=True, help_text=_("Every movement, newest first (the latest 200)."))


class DepositAmountInputSerializer(serializers.Serializer):
    amount_minor = serializers.IntegerField(help_text=_("In minor units (cents)."))


def _deposit_payload(dealer) -> dict:
    summary = selectors.deposit_summary(dealer=dealer)
    pending = summary["pending"]
    return {
        "currency": summary["balance"].currency, "balance_minor": summary["balance"].amount_minor,
        "buying_limit_minor": summary["buying_limit"].amount_minor,
        "deposit_limit_minor": summary["deposit_limit"].amount_minor,
        "individual_limit_minor": summary["individual_limit"].amount_minor if summary["individual_limit"] else None,
        "owed_minor": summary["owed"].amount_minor, "can_withdraw": not pending.anything,
        "pending": {"open_sales": pending.open_sales, "committed_minor": pending.committed_minor,
                    "sentences": pending.sentences()},
        "topups": summary["topups"], "receivables": summary["receivables"],
        "history": [{"when": row["when"], "kind": row["kind"], "what": row["what"], "memo": row["memo"],
                     "reference": row["reference"], "sale_id": row["sale_id"],
                     "amount_minor": row["amount"].amount_minor} for row in summary["history"]],
    }


class _DealerApi(APIView):
    """The deposit is the dealer organisation's: members read it (any role), its owners move money
    (`organisation_capabilities`, checked with the request's authentication: accounts.capabilities)."""

    permission_classes = [IsAuthenticated]

    def dealer(self, request):
        acting = dealer_acting_for(request.user)  # a member acts for the organisation's account
        deposits.dealer_ensure(acting)  # PermissionRefused (403) for anyone but a dealer
        return acting


class DepositApi(_DealerApi):
    @extend_schema(responses={200: DepositOutputSerializer},
                   description=_("The dealer's deposit, as the deposit page shows it: balance, the buying limit it "
                               "gives, what is pending, announced transfers, fees owed and every movement. "
                               "Dealers only (403 otherwise)."))
    def get(self, request):
        return Response(DepositOutputSerializer(_deposit_payload(self.dealer(request))).data)


class DepositTopUpApi(_DealerApi):
    parser_classes = [JSONParser, FormParser]  # no files here
    organisation_capabilities = {"POST": MANAGE}

    @extend_schema(request=DepositAmountInputSerializer, responses={201: DepositTopUpOutputSerializer},
                   description=_("Announce a bank transfer into the deposit: the answer gives Gavel's bank details and "
                               "the reference to write on it. It counts once Gavel confirms it arrived; it pays "
                               "any fee owed first. Refusals: amount_minor."))
    def post(self, request):
        dealer = self.dealer(request)
        data = DepositAmountInputSerializer(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        topup = deposits.deposit_topup_request(dealer=dealer, amount_minor=data.validated_data["amount_minor"])
        return Response(DepositTopUpOutputSerializer(topup).data, status=status.HTTP_201_CREATED)


class DepositWithdrawalApi(_DealerApi):
    parser_classes = [JSONParser, FormParser]  # no files here
    organisation_capabilities = {"POST": MANAGE}

    @extend_schema(request=DepositAmountInputSerializer,
                   responses={201: DepositWithdrawalOutputSerializer,
                              409: OpenApiResponse(description=_("Something is pending (deposit_pending)."))},
                   description=_("Send (part of) the deposit back to the dealer's bank, when nothing is pending. "
                               "Refusals: amount_minor (more than the deposit holds), deposit_pending (409)."))
    def post(self, request):
        dealer = self.dealer(request)
        data = DepositAmountInputSerializer(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        withdrawal = deposits.deposit_withdraw(dealer=dealer, amount_minor=data.validated_data["amount_minor"])
        return Response(DepositWithdrawalOutputSerializer(withdrawal).data, status=status.HTTP_201_CREATED)
