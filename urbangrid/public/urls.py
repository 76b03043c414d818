"""Citizen-facing pages (public rankings now; reporting and tracking later)."""

from django.urls import path

app_name = "public"

urlpatterns: list = []  # type: ignore[type-arg]
