"""Settlement endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from payments import api

urlpatterns = [
    path("sales/", api.SaleListApi.as_view(), name="sale-list"),
    path("sales/<int:sale_id>/", api.SaleDetailApi.as_view(), name="sale-detail"),
    path("sales/<int:sale_id>/pay/", api.SalePayApi.as_view(), name="sale-pay"),
    path("sales/<int:sale_id>/handover/", api.SaleHandoverApi.as_view(), name="sale-handover"),
    path("sales/<int:sale_id>/dispute/", api.SaleDisputeApi.as_view(), name="sale-dispute"),
    path("sales/<int:sale_id>/report-lines/", api.SaleReportLinesApi.as_view(), name="sale-report-lines"),
    path("sales/<int:sale_id>/collection-check/", api.SaleCollectionCheckApi.as_view(), name="sale-collection-check"),
    path("sales/<int:sale_id>/adjustment/", api.SaleAdjustmentApi.as_view(), name="sale-adjustment"),
    path("sales/<int:sale_id>/adjustment/decision/", api.SaleAdjustmentDecisionApi.as_view(),
         name="sale-adjustment-decision"),
    path("sales/<int:sale_id>/cancel/", api.SaleCancelApi.as_view(), name="sale-cancel"),
    path("seller-decisions/", api.SellerDecisionListApi.as_view(), name="seller-decision-list"),
    path("seller-decisions/<int:consent_id>/", api.SellerDecisionApi.as_view(), name="seller-decision"),
    path("second-chance-offers/", api.SecondChanceOfferListApi.as_view(), name="second-chance-list"),
    path("second-chance-offers/<int:offer_id>/", api.SecondChanceOfferDecisionApi.as_view(),
         name="second-chance-decision"),
    path("deposit/", api.DepositApi.as_view(), name="deposit"),
    path("deposit/top-ups/", api.DepositTopUpApi.as_view(), name="deposit-topups"),
    path("deposit/withdrawals/", api.DepositWithdrawalApi.as_view(), name="deposit-withdrawals"),
    path("payments/webhooks/card/", api.CardWebhookApi.as_view(), name="payments-webhook-card"),
]
