from django.urls import path

from auctions import views

app_name = "auctions"

urlpatterns = [
    path("", views.AuctionDashboardView.as_view(), name="dashboard"),
    path("rules/", views.AuctionRulesView.as_view(), name="rules"),
    path("saved-searches/", views.SavedSearchesView.as_view(), name="saved_searches"),
    path("saved-searches/<int:search_id>/delete/", views.SavedSearchDeleteView.as_view(), name="saved_search_delete"),
    path("<int:auction_id>/", views.AuctionDetailView.as_view(), name="detail"),
    path("<int:auction_id>/bid/", views.AuctionBidView.as_view(), name="bid"),
    path("<int:auction_id>/watch/", views.AuctionWatchView.as_view(), name="watch"),
    path("<int:auction_id>/record.json", views.AuctionRecordView.as_view(), name="record"),
    path("<int:auction_id>/receipts.json", views.AuctionReceiptsView.as_view(), name="receipts"),
    path("<int:auction_id>/decision/", views.AuctionDecisionView.as_view(), name="decision"),
    path("<int:auction_id>/counter-offer/", views.AuctionCounterOfferView.as_view(), name="counter_offer"),
    path("<int:auction_id>/counter-offer/answer/", views.AuctionCounterAnswerView.as_view(), name="counter_answer"),
]
