"""Inspection endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from inspections import api

urlpatterns = [
    path("inspections/", api.InspectionListApi.as_view(), name="inspection-list"),
    path("inspections/<int:inspection_id>/", api.InspectionDetailApi.as_view(), name="inspection-detail"),
    path("inspections/<int:inspection_id>/report/", api.InspectionReportApi.as_view(), name="inspection-report"),
    path("inspections/<int:inspection_id>/photos/", api.InspectionPhotosApi.as_view(), name="inspection-photos"),
    path("inspections/<int:inspection_id>/publish/", api.InspectionPublishApi.as_view(), name="inspection-publish"),
    path("listings/<int:listing_id>/report/", api.ListingReportApi.as_view(), name="listing-report"),
]
