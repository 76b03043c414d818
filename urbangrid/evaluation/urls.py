"""Staff evaluation pages."""

from django.urls import path

app_name = "evaluation"

urlpatterns: list = []  # type: ignore[type-arg]
