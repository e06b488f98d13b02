"""Transparency log endpoints; config.urls adds them to the `api` namespace under /api/v1/."""

from django.urls import path

from transparency import api

urlpatterns = [
    path("transparency/heads/", api.TreeHeadsApi.as_view(), name="transparency-heads"),
    path("transparency/consistency/", api.ConsistencyProofApi.as_view(), name="transparency-consistency"),
    path("transparency/inclusion/", api.InclusionProofApi.as_view(), name="transparency-inclusion"),
]
