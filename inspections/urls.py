from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("<int:inspection_id>/", views.InspectionWorkView.as_view(), name="work"),
    path("<int:inspection_id>/claim/", views.ClaimView.as_view(), name="claim"),
    path("<int:inspection_id>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<int:inspection_id>/start/", views.StartView.as_view(), name="start"),
    path("<int:inspection_id>/save/", views.SaveView.as_view(), name="save"),
    path("<int:inspection_id>/damage/", views.DamageAddView.as_view(), name="damage_add"),
    path("<int:inspection_id>/damage/<str:entry_id>/remove/", views.DamageRemoveView.as_view(), name="damage_remove"),
    path("<int:inspection_id>/photos/<int:photo_id>/remove/", views.PhotoRemoveView.as_view(), name="photo_remove"),
    path("<int:inspection_id>/submit/", views.SubmitView.as_view(), name="submit"),
    path("<int:inspection_id>/publish/", views.PublishView.as_view(), name="publish"),
]
