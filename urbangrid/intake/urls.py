from django.urls import path

from urbangrid.intake import views

app_name = "intake"

urlpatterns = [
    path("inspector/", views.inspector_app, name="inspector"),
    path("inspector/manifest.webmanifest", views.manifest, name="manifest"),
    path("inspector/sw.js", views.service_worker, name="service_worker"),
    path("report/", views.public_report, name="report"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/photos/<int:attachment_id>/", views.track_photo, name="track_photo"),
    path("map/", views.public_map, name="map"),
    path("intake/photos/<int:attachment_id>/", views.staff_photo, name="staff_photo"),
    path("intake/notifications/", views.notifications, name="notifications"),
]
