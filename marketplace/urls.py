from django.urls import path

from marketplace import views

app_name = "marketplace"

urlpatterns = [
    path("", views.ListingListView.as_view(), name="list"),
    path("new/", views.ListingCreateView.as_view(), name="create"),
    path("vin-decode/", views.VinDecodeView.as_view(), name="vin_decode"),
    path("<int:listing_id>/", views.ListingDetailView.as_view(), name="detail"),
    path("<int:listing_id>/edit/<int:step>/", views.ListingEditView.as_view(), name="edit"),
    path("<int:listing_id>/photos/", views.ListingPhotosView.as_view(), name="photos"),
    path("<int:listing_id>/photos/<int:photo_id>/<str:action>/", views.ListingPhotoActionView.as_view(),
         name="photo_action"),
    path("<int:listing_id>/documents/", views.ListingDocumentUploadView.as_view(), name="document_upload"),
    path("<int:listing_id>/submit/", views.ListingSubmitView.as_view(), name="submit"),
    path("<int:listing_id>/withdraw/", views.ListingWithdrawView.as_view(), name="withdraw"),
    path("<int:listing_id>/relist/", views.ListingRelistView.as_view(), name="relist"),
]
