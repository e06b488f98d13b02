"""Listing endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from marketplace import api

urlpatterns = [
    path("listings/", api.ListingListCreateApi.as_view(), name="listing-list"),
    path("listings/<int:listing_id>/", api.ListingDetailApi.as_view(), name="listing-detail"),
    path("listings/<int:listing_id>/submit/", api.ListingSubmitApi.as_view(), name="listing-submit"),
    path("listings/<int:listing_id>/withdraw/", api.ListingWithdrawApi.as_view(), name="listing-withdraw"),
    path("listings/<int:listing_id>/photos/", api.ListingPhotosApi.as_view(), name="listing-photos"),
    path("listings/<int:listing_id>/photos/order/", api.ListingPhotoOrderApi.as_view(), name="listing-photos-order"),
    path("listings/<int:listing_id>/photos/<int:photo_id>/", api.ListingPhotoDetailApi.as_view(),
         name="listing-photo-detail"),
    path("listings/<int:listing_id>/photos/<int:photo_id>/cover/", api.ListingPhotoCoverApi.as_view(),
         name="listing-photo-cover"),
]
