"""Citizen-facing pages (public rankings now; reporting and tracking later)."""

from django.urls import path

from urbangrid.public import views

app_name = "public"

urlpatterns = [
    path("rankings/", views.rankings, name="rankings"),
]
