"""Auction endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from auctions import api

urlpatterns = [
    path("auctions/", api.AuctionListApi.as_view(), name="auction-list"),
    path("auctions/<int:auction_id>/", api.AuctionDetailApi.as_view(), name="auction-detail"),
    path("auctions/<int:auction_id>/bids/", api.AuctionBidsApi.as_view(), name="auction-bids"),
    path("auctions/<int:auction_id>/watch/", api.AuctionWatchApi.as_view(), name="auction-watch"),
    path("auctions/<int:auction_id>/record/", api.AuctionRecordApi.as_view(), name="auction-record"),
    path("auctions/<int:auction_id>/receipts/", api.AuctionReceiptsApi.as_view(), name="auction-receipts"),
    path("auctions/<int:auction_id>/decision/", api.AuctionDecisionApi.as_view(), name="auction-decision"),
    path("saved-searches/", api.SavedSearchListApi.as_view(), name="saved-search-list"),
    path("saved-searches/<int:saved_search_id>/", api.SavedSearchDetailApi.as_view(), name="saved-search-detail"),
]
