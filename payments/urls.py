from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.SaleListView.as_view(), name="list"),
    path("deposit/", views.DepositView.as_view(), name="deposit"),
    path("deposit/top-up/", views.DepositTopUpView.as_view(), name="deposit-topup"),
    path("deposit/withdraw/", views.DepositWithdrawView.as_view(), name="deposit-withdraw"),
    path("<int:sale_id>/", views.SaleDetailView.as_view(), name="detail"),
    path("<int:sale_id>/invoice/", views.SaleInvoiceView.as_view(), name="invoice"),
    path("<int:sale_id>/documents/<int:document_id>.pdf", views.SaleDocumentView.as_view(), name="document"),
    path("<int:sale_id>/pay/", views.SalePayView.as_view(), name="pay"),
    path("<int:sale_id>/collection/", views.SaleCollectionView.as_view(), name="collection"),
    path("<int:sale_id>/check/", views.SaleCollectionCheckView.as_view(), name="check"),
    path("<int:sale_id>/adjustment/", views.SaleAdjustmentRequestView.as_view(), name="adjustment"),
    path("<int:sale_id>/adjustment/decide/", views.SaleAdjustmentDecideView.as_view(), name="adjustment-decide"),
    path("<int:sale_id>/handover/", views.SaleHandoverView.as_view(), name="handover"),
    path("<int:sale_id>/dispute/", views.SaleDisputeView.as_view(), name="dispute"),
    path("<int:sale_id>/cancel/", views.SaleCancelView.as_view(), name="cancel"),
    path("<int:sale_id>/decision/", views.SaleConsentView.as_view(), name="decision"),
    path("card/<str:reference>/", views.CardPageView.as_view(), name="card-page"),
    path("offers/<int:offer_id>/", views.OfferDecisionView.as_view(), name="offer"),
    path("buy-now/<int:offer_id>/answer/", views.BuyNowAnswerView.as_view(), name="buy_now_answer"),
    path("buy-now/<int:offer_id>/buy/", views.BuyNowBuyView.as_view(), name="buy_now_buy"),
]
